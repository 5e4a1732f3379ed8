// Runs sandboxed with context isolation: the page sees only these two functions, never ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.js';

const bridge = createBridge(ipcRenderer);
contextBridge.exposeInMainWorld('switchboard', { request: bridge.request, onEvent: bridge.onEvent });
