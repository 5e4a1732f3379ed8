/**
 * An empty object for keys a client chose (user names, channels, state keys). Without a
 * prototype, `__proto__` is a key like any other rather than a setter, and `constructor` or
 * `toString` are absent until set, so every name behaves alike. JSON.stringify and
 * Object.keys treat it as a plain object.
 */
export const byName = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;
