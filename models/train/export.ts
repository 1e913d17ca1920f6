// Exports a training checkpoint as a complete Leffa state dict that the Python app (`torch.load` +
// `load_state_dict(strict=True)`) and this engine load like a released checkpoint: every original key, in
// the base checkpoint's order, with the trained UNet weights replaced and everything else (the frozen VAE,
// the never-run attn2 weights, the reference UNet's conv_out, SDXL's add_embedding) copied unchanged from
// the base checkpoint. `.pth` (torch.save zip) or `.safetensors`, chosen by the output's extension.
//
// A LoRA checkpoint is either merged into the base weights (W[out, in] += (α/r)·B[out, r]·A[r, in], in
// float32) and exported the same way, or exported alone as a PEFT-style adapter (exportLoraAdapter).
import { dirname, join } from 'node:path';
import { openCheckpoint, openSafetensors, writePth, writeSafetensors, type RawTensor, type TensorSource } from '../io/index.ts';
import { LeffaModel, readBaseFolder } from '../leffa/model.ts';
import { detectArch } from '../leffa/open.ts';
import { baseConfigFolder } from '../hub/base-configs.ts';
import { randomHostParams } from '../nn/host-params.ts';
import type { ParamSpec } from '../nn/params.ts';
import type { TrainConfig } from './config.ts';
import { loraMetadata, type LoraOptions } from './lora.ts';
import { readCheckpointState, writeJsonAtomic } from './train-checkpoint.ts';
import { toTorchData } from './torch-layout.ts';

export interface ExportOptions {
  /** Checkpoint folder (…/checkpoints/step-XXXXXXXX). */
  checkpoint: string;
  /** Output file: *.pth / *.pt / *.bin / *.ckpt (torch.save zip) or *.safetensors. */
  out: string;
  /** Which weights: the EMA (default when the checkpoint has one) or the live ones. */
  weights?: 'ema' | 'live';
  /** Base checkpoint to copy the untrained tensors from (default: the run's model.weights). */
  base?: string;
}

export interface ExportResult { path: string; format: 'pth' | 'safetensors'; weights: 'ema' | 'live'; trained: number; copied: number }

/** The untrained tensors of a run started from seeded random weights: regenerated as the run made them. */
function randomBaseSource(c: TrainConfig): TensorSource {
  const model = new LeffaModel(readBaseFolder(c.model.base!));
  const specs = model.params();
  const used = specs.filter(LeffaModel.isUsed);
  const usedNames = new Set(used.map((s) => s.name));
  const fromFile = c.model.vaeWeights ? openCheckpoint(c.model.vaeWeights) : null;
  const vaeFromFile = (s: ParamSpec) => fromFile !== null && s.name.startsWith('vae.');
  const host = randomHostParams(used.filter((s) => !vaeFromFile(s)), c.seed); // same call as setup.ts randomLeffa
  const byName = new Map(specs.map((s) => [s.name, s]));
  const read = (name: string): RawTensor => {
    const s = byName.get(name)!;
    if (vaeFromFile(s)) return fromFile!.read(name);
    if (!usedNames.has(name)) return { name, dtype: 'F32', shape: s.shape, data: new Float32Array(s.shape.reduce((a, b) => a * b, 1)) }; // never run by Leffa: zeros
    const e = host.data.get(name)!;
    return { name, dtype: 'F32', shape: s.shape, data: toTorchData(s, e.values as Float32Array) };
  };
  return {
    path: `random init (seed ${c.seed}) of ${c.model.base}`, metadata: {},
    keys: () => specs.map((s) => s.name), has: (n) => byName.has(n),
    info: (n) => { const s = byName.get(n); if (!s) throw new Error(`no tensor ${n}`); return { name: n, dtype: 'F32', shape: s.shape }; },
    read, readFloat32: (n) => read(n).data as Float32Array,
    close: () => { fromFile?.close(); host.dispose(); },
  };
}

function openBase(c: TrainConfig, base: string | undefined): TensorSource {
  if (base) return openCheckpoint(base);
  if (c.model.init === 'weights') return openCheckpoint(c.model.weights!);
  return randomBaseSource(c);
}

/** W[out, in] += scale·B[out, r]·A[r, in] (PyTorch layout, float32 arithmetic). */
function mergeTorch(w: Float32Array, a: Float32Array, b: Float32Array, outF: number, inF: number, r: number, scale: number): Float32Array {
  const out = Float32Array.from(w);
  for (let o = 0; o < outF; o++) {
    for (let k = 0; k < r; k++) {
      const bok = Math.fround(b[o * r + k]! * scale);
      if (bok === 0) continue;
      for (let i = 0; i < inF; i++) out[o * inF + i] = Math.fround(out[o * inF + i]! + bok * a[k * inF + i]!);
    }
  }
  return out;
}

export function exportModel(opts: ExportOptions): ExportResult {
  const { state, config } = readCheckpointState(opts.checkpoint);
  const c = config as TrainConfig;
  const which = opts.weights ?? (state.ema ? 'ema' : 'live');
  if (which === 'ema' && !state.ema) throw new Error(`checkpoint ${opts.checkpoint} has no EMA weights (ema.enabled was off); export with weights "live"`);
  const lower = opts.out.toLowerCase();
  const format: ExportResult['format'] = lower.endsWith('.safetensors') ? 'safetensors' : /\.(pth|pt|bin|ckpt)$/.test(lower) ? 'pth' : (() => { throw new Error(`export: ${opts.out} must end in .pth, .pt, .bin, .ckpt or .safetensors`); })();
  const trained = openSafetensors(join(opts.checkpoint, which === 'ema' ? 'ema.safetensors' : 'weights.safetensors'));
  const base = openBase(c, opts.base);
  try {
    const arch = detectArch(base); // refuses a file that is not a Leffa state dict
    const expected = new LeffaModel(readBaseFolder(c.model.base ?? baseConfigFolder(arch))).params();
    const baseKeys = new Set(base.keys());
    const missing = expected.filter((s) => !baseKeys.has(s.name)).map((s) => s.name);
    if (missing.length) throw new Error(`export: base ${base.path} lacks ${missing.length} keys of the model (e.g. ${missing.slice(0, 3).join(', ')}); pass the checkpoint the run started from`);
    const tensors: RawTensor[] = [];
    let n = 0;
    if (state.mode === 'full') {
      for (const k of trained.keys()) if (!baseKeys.has(k)) throw new Error(`export: trained tensor ${k} is not in the base checkpoint ${base.path}`);
      for (const key of base.keys()) {
        if (trained.has(key)) {
          const t = trained.info(key), b = base.info(key);
          if (t.shape.join(',') !== b.shape.join(',')) throw new Error(`export: ${key} is [${t.shape}] in the checkpoint, [${b.shape}] in the base`);
          tensors.push({ ...t, dtype: 'F32', data: trained.readFloat32(key) });
          n += 1;
        } else {
          tensors.push(base.read(key));
        }
      }
    } else {
      const lora = c.lora as LoraOptions;
      const scale = (lora.alpha ?? lora.rank) / lora.rank;
      for (const key of base.keys()) {
        const module = key.endsWith('.weight') ? key.slice(0, -'.weight'.length) : null;
        const aKey = `${module}.lora_A.weight`, bKey = `${module}.lora_B.weight`;
        if (module && trained.has(aKey)) {
          const info = base.info(key);
          const [outF, inF] = info.shape as [number, number];
          tensors.push({ name: key, dtype: 'F32', shape: info.shape, data: mergeTorch(base.readFloat32(key), trained.readFloat32(aKey), trained.readFloat32(bKey), outF, inF, lora.rank, scale) });
          n += 1;
        } else {
          tensors.push(base.read(key));
        }
      }
    }
    if (format === 'pth') writePth(opts.out, tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: t.data })));
    else writeSafetensors(opts.out, tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: t.data })), { format: 'pt', 'leffa-studio:source': `${opts.checkpoint} (${which})` });
    return { path: opts.out, format, weights: which, trained: n, copied: tensors.length - n };
  } finally {
    trained.close();
    base.close();
  }
}

/**
 * Writes a LoRA checkpoint's adapter alone: `<out>` (PEFT/diffusers key names, see lora.ts) plus
 * `adapter_config.json` beside it (r, lora_alpha, target_modules, as PEFT writes).
 */
export function exportLoraAdapter(checkpoint: string, out: string, weights?: 'ema' | 'live'): ExportResult {
  const { state, config } = readCheckpointState(checkpoint);
  if (state.mode !== 'lora') throw new Error(`checkpoint ${checkpoint} trained the full model, not a LoRA; use exportModel`);
  const which = weights ?? (state.ema ? 'ema' : 'live');
  const lora = (config as TrainConfig).lora!;
  const src = openSafetensors(join(checkpoint, which === 'ema' ? 'ema.safetensors' : 'weights.safetensors'));
  try {
    const tensors = src.keys().map((k) => ({ name: k, dtype: 'F32' as const, shape: src.info(k).shape, data: src.readFloat32(k) }));
    writeSafetensors(out, tensors, loraMetadata(lora));
    const md = loraMetadata(lora);
    writeJsonAtomic(join(dirname(out), 'adapter_config.json'), {
      peft_type: 'LORA', r: lora.rank, lora_alpha: lora.alpha ?? lora.rank, target_modules: JSON.parse(md.target_modules!) as string[],
      lora_dropout: 0, bias: 'none', 'leffa-studio:unets': lora.unets ?? ['unet', 'unet_encoder'],
    });
    return { path: out, format: 'safetensors', weights: which, trained: tensors.length, copied: 0 };
  } finally {
    src.close();
  }
}
