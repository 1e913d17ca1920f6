// The reproducibility record (main/queue/record.ts, with the engine's part from models/pipelines/record.ts)
// as label/value rows for the loupe. Pure; unknown or missing fields are left out, never guessed.

type Rec = Record<string, unknown>;

const obj = (v: unknown): Rec | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : null);
const short = (hash: unknown): string | null => (typeof hash === 'string' && hash.length >= 12 ? `${hash.slice(0, 12)}…` : null);

export function recordSummary(record: Rec): [string, string][] {
  const rows: [string, string][] = [];
  const add = (label: string, value: unknown) => {
    if (value !== null && value !== undefined && value !== '') rows.push([label, String(value)]);
  };
  const inputs = obj(record.inputs);
  const engine = obj(record.engine);
  const generator = obj(engine?.generator);
  const settings = obj(record.settings);
  add('Seed', record.seed);
  if (settings) add('Settings', Object.entries(settings).map(([k, v]) => `${k} ${String(v)}`).join(', '));
  add('Category', record.category);
  const ckpt = obj(inputs?.checkpoint);
  if (ckpt) add('Checkpoint', `${String(ckpt.name ?? '')} ${short(ckpt.hash) ?? ''}`.trim());
  add('Garment photo', short(obj(inputs?.garment)?.photoHash));
  add('Person photo', short(obj(inputs?.person)?.hash));
  const mask = obj(inputs?.mask);
  add('Mask', mask ? `v${String(mask.version)} ${short(mask.hash) ?? ''}` : null);
  add('DensePose', short(obj(inputs?.densepose)?.hash));
  add('Engine', engine?.engineVersion);
  add('Backend', engine?.backend);
  const weights = obj(generator?.weights);
  add('Weights', weights ? `${String(weights.name)} ${short(weights.sha256) ?? ''}` : null);
  add('Settings hash', short(record.settingsHash));
  return rows;
}
