import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  /** The relay listens on every interface. */
  shared: boolean;
  setShared(on: boolean): void;
  showShare(): void;
  openBrowserConsole(): void;
  openSettings(): void;
  showSettingsFile(): void;
}

export const SHARE_LABEL = 'Share on LAN';

/** The application menu: File, Edit, View, Help (after the app menu on macOS); DevTools only in development. */
export function menuTemplate(a: MenuActions, platform: NodeJS.Platform, development: boolean): MenuItemConstructorOptions[] {
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: SHARE_LABEL, type: 'checkbox', checked: a.shared, accelerator: 'CmdOrCtrl+Shift+L', click: () => a.setShared(!a.shared) },
      { label: 'Show LAN Addresses…', enabled: a.shared, click: () => a.showShare() },
      { label: 'Open Browser Console', accelerator: 'CmdOrCtrl+Shift+B', click: () => a.openBrowserConsole() },
      { type: 'separator' },
      { label: 'Settings…', accelerator: 'CmdOrCtrl+,', click: () => a.openSettings() },
      { type: 'separator' },
      { role: platform === 'darwin' ? 'close' : 'quit' },
    ],
  };
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    file,
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(development ? [{ role: 'toggleDevTools' } as const] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      role: 'help',
      submenu: [{ role: 'about' }, { label: 'Show Settings File', click: () => a.showSettingsFile() }],
    },
  ];
}
