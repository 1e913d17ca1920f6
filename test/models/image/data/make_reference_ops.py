# Regenerates reference-ops.json: outputs of the reference's own libraries (OpenCV cv2.resize
# INTER_CUBIC, PIL ImageFilter.GaussianBlur, PIL convert('L'), NumPy repaint blend) on small seeded
# inputs, for the image tests. Generated with Debian bookworm's python3-opencv 4.6.0,
# python3-pil 9.4.0 and python3-numpy 1.24.2 (x86-64):  python3 make_reference_ops.py > reference-ops.json
import base64, json
import numpy as np, cv2
from PIL import Image, ImageFilter

rng = np.random.default_rng(0)
b64 = lambda a: base64.b64encode(np.ascontiguousarray(a).astype(np.uint8).tobytes()).decode()
out = {}

# 1. cv2.resize INTER_CUBIC of a random 37x23 RGB image, up and down.
src = rng.integers(0, 256, (23, 37, 3), dtype=np.uint8)
out['resize'] = {'src': {'width': 37, 'height': 23, 'rgb': b64(src)}, 'cases': [
    {'width': w, 'height': h, 'rgb': b64(cv2.resize(src, (w, h), interpolation=cv2.INTER_CUBIC))}
    for (w, h) in [(100, 61), (13, 9), (5, 40), (64, 3)]]}

# 2. PIL GaussianBlur of binary masks (the repaint radii: 1 for h=64, 11 for h=1024; plus 3 and 2.5).
mask = np.zeros((128, 96), np.uint8)
mask[30:90, 20:70] = 255; mask[5:9, 80:90] = 255; mask[120:, 90:] = 255
out['blur'] = {'width': 96, 'height': 128, 'mask': b64(mask), 'cases': [
    {'radius': r, 'grey': b64(np.array(Image.fromarray(mask).filter(ImageFilter.GaussianBlur(r))))}
    for r in [11, 3, 2.5, 1]]}

# 3. Repaint on 64x48 (radius 64//100 = 0 -> bumped to 1), mask blurred as an RGB image.
h, w = 64, 48
person = rng.integers(0, 256, (h, w, 3), dtype=np.uint8); result = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
person[:4] = 255; result[:4] = 255
m = ((rng.random((h, w)) > 0.6) * 255).astype(np.uint8)
blurred = np.array(Image.fromarray(m).convert('RGB').filter(ImageFilter.GaussianBlur(1))) / 255
rep = (person * (1 - blurred) + result * blurred).astype(np.uint8)
out['repaint'] = {'width': w, 'height': h, 'src': b64(person), 'gen': b64(result), 'mask': b64(m), 'out': b64(rep)}

# 4. PIL RGB -> L.
rgb = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
out['grey'] = {'width': 16, 'height': 16, 'rgb': b64(rgb), 'l': b64(np.array(Image.fromarray(rgb).convert('L')))}

print(json.dumps(out))
