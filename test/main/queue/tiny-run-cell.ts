// A real runCell for tests: the Leffa tiny fixture model run through the actual sampling pipeline with
// the cell's seed and settings. The model is loaded once per checkpoint hash. This is what the crash test
// runs in its child process; the real engine (worker, full-size weights) plugs in the same way.
import * as tf from '@tensorflow/tfjs-core';
import { loadLeffa, type LoadedLeffa } from '../../../models/leffa/loaded.ts';
import { openCheckpoint } from '../../../models/io/index.ts';
import { leffaSample } from '../../../models/pipelines/leffa-pipeline.ts';
import { seededNoise } from '../../../models/pipelines/noise.ts';
import { DDPMScheduler } from '../../../models/schedulers/ddpm.ts';
import { encodePng, imageToTensor, loadImage, maskToTensor, tensorToImageUint8 } from '../../../models/image/index.ts';
import type { CellOutput, RunCell } from '../../../main/queue/index.ts';

export function tinyRunCell(baseFolder: string): RunCell {
  const models = new Map<string, LoadedLeffa>();
  return async (cell, { signal, onProgress }): Promise<CellOutput> => {
    let model = models.get(cell.checkpoint.hash);
    if (!model) {
      model = loadLeffa(baseFolder, openCheckpoint(cell.checkpoint.path));
      models.set(cell.checkpoint.hash, model);
    }
    const [garment, person, mask, densepose] = await Promise.all([
      loadImage(cell.garment.photoPath, { what: 'garment image' }),
      loadImage(cell.person.path, { what: 'person image' }),
      cell.mask && loadImage(cell.mask.path, { what: 'mask' }),
      cell.densepose && loadImage(cell.densepose.path, { what: 'DensePose image' }),
    ]);
    const [h, w] = [person.height, person.width];
    const inputs = {
      srcImage: imageToTensor(person), // [1,H,W,3]
      refImage: imageToTensor(garment), // [1,H,W,3]
      mask: mask ? maskToTensor(mask) : (tf.ones([1, h, w, 1]) as tf.Tensor4D), // no mask: regenerate everything
      densepose: densepose ? imageToTensor(densepose) : (tf.zeros([1, h, w, 3]) as tf.Tensor4D),
    };
    try {
      const out = await leffaSample(model, DDPMScheduler.fromConfig(model.model.configs.scheduler), inputs, {
        steps: cell.settings.steps,
        guidanceScale: cell.settings.guidanceScale,
        refAcceleration: cell.settings.refAcceleration,
        noise: seededNoise(cell.seed),
        signal,
        onStep: (s) => onProgress({ step: s.step + 1, steps: s.steps, stepMs: s.stepMs }),
      });
      const rgb = tensorToImageUint8(out.decoded);
      tf.dispose([out.latent, out.decoded]);
      const image = await encodePng(rgb.data, rgb.width, rgb.height);
      return { image, record: { engineVersion: 'leffa-tfjs (tiny fixture)', backend: tf.getBackend(), model: 'leffa-tiny' } };
    } finally {
      tf.dispose(Object.values(inputs));
    }
  };
}
