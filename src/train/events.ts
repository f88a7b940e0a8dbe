/** A trainer's listeners: one set per event name, called in the order they were added. */
export class Listeners<Events extends { [K in keyof Events]: (value: never) => void }> {
  private readonly sets = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.sets.get(event);
    if (!set) this.sets.set(event, set = new Set());
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof Events>(event: K, value: Parameters<Events[K]>[0]): void {
    for (const listener of this.sets.get(event) ?? []) (listener as (v: typeof value) => void)(value);
  }
}
