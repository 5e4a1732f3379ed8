import { EventEmitter } from 'node:events';

/**
 * The ids a relay assigns, captured against replayed, per scope (a protocol, or a protocol's
 * room where ids are only unique inside one: spacewar's numbers).
 */
export class IdMap {
  private readonly scopes = new Map<string, Map<string, string>>();
  private readonly learned = new EventEmitter();

  constructor() {
    this.learned.setMaxListeners(0);
  }

  learn(scope: string, captured: string, replayed: string): void {
    let m = this.scopes.get(scope);
    if (!m) this.scopes.set(scope, (m = new Map()));
    if (m.has(captured)) return;
    m.set(captured, replayed);
    this.learned.emit(`${scope}\n${captured}`);
  }

  get(scope: string, captured: string): string | undefined {
    return this.scopes.get(scope)?.get(captured);
  }

  /** Resolves once the captured id is mapped, or after `ms` (to false) if it never is. */
  wait(scope: string, captured: string, ms: number): Promise<boolean> {
    if (this.get(scope, captured) !== undefined) return Promise.resolve(true);
    const event = `${scope}\n${captured}`;
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.learned.off(event, onLearn);
        resolve(ok);
      };
      const onLearn = (): void => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.learned.on(event, onLearn);
    });
  }

  /** Every mapping of a scope, for the report. */
  entries(scope: string): [string, string][] {
    return [...(this.scopes.get(scope) ?? [])];
  }
}
