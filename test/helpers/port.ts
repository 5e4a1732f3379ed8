/** A port that was free a moment ago, for settings that need a real number (pinned listeners). */
export { freePort } from '../../relay/cluster/local-redis.js';
