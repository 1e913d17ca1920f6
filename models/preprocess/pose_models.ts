// The two graph models person analysis needs, loaded once and shared by every photo of a session.
import { loadLocalGraphModel, type GraphModel } from './graph_model.ts';
import { poseModelsDir } from './model_files.ts';

export interface PoseModels {
  movenet: GraphModel;
  blazepose: GraphModel;
  /** Frees the models' weights (tensors). */
  dispose(): void;
}

export interface LoadPoseModelsOptions {
  /** Folder with the files listed in pose-models.json (default: see poseModelsDir). */
  modelDir?: string;
}

/** Loads MoveNet Lightning and BlazePose Full from local files, verifying each file's sha256. */
export async function loadPoseModels(options: LoadPoseModelsOptions = {}): Promise<PoseModels> {
  const dir = poseModelsDir(options.modelDir);
  const movenet = await loadLocalGraphModel(dir, 'movenet-lightning');
  let blazepose: GraphModel;
  try {
    blazepose = await loadLocalGraphModel(dir, 'blazepose-full');
  } catch (e) {
    movenet.dispose();
    throw e;
  }
  return {
    movenet,
    blazepose,
    dispose() {
      movenet.dispose();
      blazepose.dispose();
    },
  };
}
