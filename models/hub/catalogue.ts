// The Leffa checkpoints Leffa Studio knows how to run (spec §2.1). All three live in one Hub repo; each is a
// full `LeffaModel.state_dict()` saved by torch.save (fp32) and is paired with the diffusers base config
// folder of its architecture (spec §1.1), which we ship ourselves in models/configs/.
import { HubError } from './errors.ts';

export type ModelArch = 'sd15' | 'sdxl';
export type ModelKind = 'virtual-try-on' | 'pose-transfer';

export interface CatalogueEntry {
  /** Stable id used by the CLI, the project store and the UI. */
  id: string;
  /** Hub repo id (model repo). */
  repo: string;
  /** File inside the repo. */
  file: string;
  arch: ModelArch;
  kind: ModelKind;
  /**
   * Expected size in bytes, for display and rough planning before the Hub is asked: the fp32 tensor bytes
   * of the state dict (parameter count × 4, spec §7; from the sd15/sdxl manifests). The .pth adds a little
   * pickle and zip overhead; the exact size and hash always come from the Hub at download time.
   */
  sizeBytes: number;
  /** Human title for lists. */
  title: string;
  /** What it is for, in one sentence. */
  purpose: string;
}

export const LEFFA_REPO = 'franciszzj/Leffa';

/** The model card holding the licence metadata (`license:` in its YAML front matter). */
export const MODEL_CARD_FILE = 'README.md';

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'try-on-hd',
    repo: LEFFA_REPO,
    file: 'virtual_tryon.pth',
    arch: 'sd15',
    kind: 'virtual-try-on',
    sizeBytes: 7_210_875_324, // 1 802 718 831 params × 4 (HF shows 7.21 GB)
    title: 'Virtual try-on, VITON-HD',
    purpose: 'Upper-body garment try-on trained on VITON-HD; the recommended try-on model, also for photos in the wild (Leffa#22).',
  },
  {
    id: 'try-on-dc',
    repo: LEFFA_REPO,
    file: 'virtual_tryon_dc.pth',
    arch: 'sd15',
    kind: 'virtual-try-on',
    sizeBytes: 7_210_875_324,
    title: 'Virtual try-on, DressCode',
    purpose: 'Try-on of upper garments, lower garments and dresses, trained on DressCode (uses the DC mask and I-map DensePose).',
  },
  {
    id: 'pose',
    repo: LEFFA_REPO,
    file: 'pose_transfer.pth',
    arch: 'sdxl',
    kind: 'pose-transfer',
    sizeBytes: 20_874_417_084, // 5 218 604 271 params × 4 (HF shows 20.9 GB)
    title: 'Pose transfer, DeepFashion',
    purpose: 'Re-poses a person image to a target DensePose; SDXL-inpainting architecture, trained on DeepFashion.',
  },
];

export function knownModelIds(): string[] {
  return CATALOGUE.map((m) => m.id);
}

/** The catalogue entry for `id`; throws `unknown-model` listing the known ids. */
export function getModel(id: string): CatalogueEntry {
  const entry = CATALOGUE.find((m) => m.id === id);
  if (!entry) {
    throw new HubError('unknown-model', `unknown model id ${JSON.stringify(id)}; known ids: ${knownModelIds().join(', ')}`);
  }
  return entry;
}
