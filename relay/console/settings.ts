/**
 * The settings schema as the console shows it: the Settings view is built from it, and the
 * Overview asks whether a host shares the relay on the LAN. The renderer imports relay/console
 * only, so what it needs of relay/config is handed on from here.
 */
export { ALL_INTERFACES, PROTOCOLS, SCHEMA, bindsAllInterfaces } from '../config/schema.js';
export type { ConfigKey, KeySpec, SettingSource } from '../config/schema.js';
