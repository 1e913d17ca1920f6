/** An invalid model configuration: names the key, the value received and what was expected. */
export class ConfigError extends Error {
  constructor(source: string, key: string, value: unknown, expected: string) {
    super(`${source}: ${key} = ${JSON.stringify(value)}; expected ${expected}`);
    this.name = 'ConfigError';
  }
}
