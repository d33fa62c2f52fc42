/**
 * The part of @platformatic/kafka-hooks (which ships no types) that the
 * ingress benchmark uses: `create` as its tests call it, then `start`.
 */
declare module '@platformatic/kafka-hooks' {
  /** A kafka-hooks application (a Platformatic service capability). */
  export interface KafkaHooksApplication {
    /** Starts the application; with `listen`, resolves to its URL. */
    start(options: { listen: boolean }): Promise<string>;
    stop(): Promise<void>;
  }

  /** The package's version. */
  export const version: string;

  /** Builds an application from a configuration object, as `platformatic.json` holds it. */
  export function create(root: string, config: object): Promise<KafkaHooksApplication>;
}
