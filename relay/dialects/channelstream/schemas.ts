import { anyObject, bool, datetime, dict, int, list, object, opt, req, stateValue, str, uuid } from './validate.js';
import { isoNow, newUuid } from './wire.js';

/** The request bodies of channelstream 0.7.1, field by field, with their defaults. */

export const channelConfig = object({
  notify_presence: opt(bool, false),
  store_history: opt(bool, false),
  history_size: opt(int(0), 10),
  broadcast_presence_with_user_lists: opt(bool, false),
  notify_state: opt(bool, false),
  store_frames: opt(bool, true),
});

export const infoResolution = object({
  include_history: opt(bool, true),
  include_users: opt(bool, true),
  channels: opt(list(str()), () => []),
  exclude_channels: opt(list(str()), () => []),
  include_connections: opt(bool, false),
  return_public_state: opt(bool, false),
});

const channelName = str(1, 256);
const userName = str(1, 512);
const state = dict(stateValue);
const defaultInfo = () => ({ include_history: true, include_users: true, channels: [], exclude_channels: [], include_connections: false, return_public_state: false });

export const connectBody = object({
  username: req(userName),
  conn_id: opt(uuid, newUuid),
  channels: opt(list(channelName), () => []),
  state_public_keys: opt(list(str()), () => []),
  fresh_user_state: opt(state, () => ({})),
  user_state: opt(state, () => ({})),
  channel_configs: opt(dict(channelConfig), () => ({})),
  info: opt(infoResolution, defaultInfo),
});

export const subscribeBody = object({
  conn_id: req(uuid),
  channels: req(list(channelName, 1)),
  channel_configs: opt(dict(channelConfig), () => ({})),
  info: opt(infoResolution, defaultInfo),
});

export const userStateBody = object({
  user: req(userName),
  user_state: opt(state, () => ({})),
  state_public_keys: opt(list(str()), undefined, true),
});

const addressing = {
  channel: opt(channelName, undefined, true),
  pm_users: opt(list(userName), () => []),
  exclude_users: opt(list(userName), () => []),
  no_history: opt(bool, false),
};

export const postMessage = object({
  ...addressing,
  uuid: opt(uuid, newUuid),
  timestamp: opt(datetime, () => isoNow()),
  user: req(userName),
  message: opt(anyObject, () => ({})),
});

export const editMessage = object({
  ...addressing,
  uuid: req(uuid),
  timestamp: opt(datetime),
  user: opt(userName),
  message: opt(anyObject),
  edited: opt(datetime, () => isoNow()),
});

export const deleteMessage = object({ ...addressing, uuid: req(uuid) });

export const channelConfigBody = dict(channelConfig);

export const infoBody = object({ info: req(infoResolution) });

export const connIdBody = object({ conn_id: req(uuid) });

export type ChannelConfig = ReturnType<typeof defaultChannelConfig>;
export const defaultChannelConfig = () => ({
  notify_presence: false,
  store_history: false,
  history_size: 10,
  broadcast_presence_with_user_lists: false,
  notify_state: false,
  store_frames: true,
});
