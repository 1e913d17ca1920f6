// Parity handler for the `train_step` record (fixtures README §4.8): one training forward/backward of the
// Leffa objective on the tiny model, replaying the reference's noise draws. Outputs: the VAE latent, the
// generative UNet input and output, both loss terms and their parts, and the gradients of loss_total and
// of attn_loss (without λ) w.r.t. the listed parameters.
// Layouts: fixture images/latents are NCHW (transposed to the engine's NHWC here and back for the
// outputs); gradients come out in engine layout (conv HWIO, linear [in, out]) and are written back in
// PyTorch layout (OIHW, [out, in]) with the same index arithmetic as checkpoint export.
import * as tf from '../../tf.ts';
import type { LoadedLeffa } from '../../leffa/loaded.ts';
import type { LeffaLossOptions } from '../../losses/leffa-loss.ts';
import {
  VariableParamStore, disposeGradients, disposeInputs, objectiveGradients, prepareTrainingInputs,
  type GradientResult, type TrainingBatch, type TrainingInputs,
} from '../../train/objective.ts';
import { registerTrainingKernels } from '../../train/kernels/register.ts';
import { toTorchData } from '../../train/torch-layout.ts';
import { asIs, fromNCHW, toNCHW } from '../layout.ts';
import type { FixtureRecord, ParityContext, ProducedTensor, RecordHandler } from '../types.ts';

const P = 'train_step';

function readBatch(ctx: ParityContext): TrainingBatch {
  const nhwc = (n: string) => fromNCHW(ctx.float(`${P}/${n}`), ctx.tensor(`${P}/${n}`).shape);
  const timesteps = Array.from(ctx.tensor(`${P}/timesteps`).data as ArrayLike<number | bigint>, Number);
  return {
    image: nhwc('image'),
    cloth: nhwc('cloth'),
    inpaintMask: nhwc('inpaint_mask'),
    densepose: nhwc('densepose'),
    warpedMask: nhwc('warped_mask'),
    timesteps,
    noise: { vaeImage: nhwc('noise/vae_image'), vaeMasked: nhwc('noise/vae_masked'), vaeCloth: nhwc('noise/vae_cloth'), diffusion: nhwc('noise/diffusion') },
  };
}

function disposeBatch(b: TrainingBatch): void {
  tf.dispose([b.image, b.cloth, b.inpaintMask, b.densepose, b.warpedMask, ...Object.values(b.noise)]);
}

/** The record's loss options and the attn1 layer names of its `params.loss_layers` (…attn1.processor). */
function recordOptions(record: FixtureRecord): { leffa: LeffaLossOptions; layers: string[]; gradParams: string[] } {
  const p = record.params ?? {};
  const layers = (p.loss_layers as string[] | undefined)?.map((l) => l.replace(/\.processor$/, ''));
  const gradParams = p.grad_params as string[] | undefined;
  if (!layers || !gradParams) throw new Error(`${record.id}: params.loss_layers / params.grad_params missing`);
  if (p.garment_dropout_taken) throw new Error(`${record.id}: garment dropout was taken; this handler replays only the no-dropout case`);
  return {
    leffa: { weight: Number(p.lambda ?? 1e-3), timestep_threshold: Number(p.stop_timestep ?? 500), temperature: Number(p.temperature ?? 2.0) },
    layers,
    gradParams,
  };
}

function gradsInTorchLayout(m: LoadedLeffa, r: GradientResult, prefix: string, out: Map<string, ProducedTensor>): void {
  const specs = new Map(m.model.params().map((s) => [s.name, s]));
  for (const [name, g] of r.grads) {
    const spec = specs.get(name)!;
    out.set(`${P}/${prefix}/${name}`, { shape: spec.shape.slice(), data: toTorchData(spec, g.dataSync() as Float32Array) });
  }
}

export const trainStepHandler: RecordHandler = {
  ids: ['train_step'],
  needsModel: true,
  async run(record, ctx) {
    const m = (await ctx.model()) as LoadedLeffa;
    registerTrainingKernels();
    const { leffa, layers, gradParams } = recordOptions(record);
    const out = new Map<string, ProducedTensor>();
    const batch = readBatch(ctx);
    // Only the listed parameters become variables; every other weight is read from the loaded model.
    const store = new VariableParamStore(m.params, gradParams);
    let inputs: TrainingInputs | null = null;
    try {
      inputs = prepareTrainingInputs(m.model, m.params, batch);
      out.set(`${P}/model_input_latent`, toNCHW(inputs.x0));
      out.set(`${P}/latent_model_input`, toNCHW(inputs.genInput));
      // leffaWhenGated: the record lists per-layer losses even for samples the timestep gate removes.
      const opts = { leffa, leffaLayers: layers, leffaWhenGated: true };
      const total = objectiveGradients(m.model, store, inputs, batch, store.variables, { ...opts, target: 'total' });
      try {
        const o = total.outputs;
        out.set(`${P}/model_pred`, toNCHW(o.modelPred));
        out.set(`${P}/loss_diffusion`, asIs(o.lossDiffusion));
        const perLayer = tf.stack(o.perLayer); // [L, B]
        out.set(`${P}/leffa/per_layer`, asIs(perLayer));
        perLayer.dispose();
        out.set(`${P}/leffa/layer_mean`, asIs(o.layerMean!));
        out.set(`${P}/leffa/gated`, asIs(o.gated!));
        out.set(`${P}/leffa/attn_loss`, asIs(o.attnLoss));
        out.set(`${P}/loss_total`, asIs(o.lossTotal));
        gradsInTorchLayout(m, total, 'grad_total', out);
      } finally {
        disposeGradients(total);
      }
      const onlyLeffa = objectiveGradients(m.model, store, inputs, batch, store.variables, { ...opts, target: 'leffa' });
      try {
        gradsInTorchLayout(m, onlyLeffa, 'grad_leffa', out);
      } finally {
        disposeGradients(onlyLeffa);
      }
    } finally {
      if (inputs) disposeInputs(inputs);
      store.dispose();
      disposeBatch(batch);
    }
    return out;
  },
};
