"""measures.image_pixels: the same array as np.asarray(img), for every mode and size, read-only."""

import numpy as np
import pytest
from PIL import Image

from biometrics.measures import image_pixels


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "1", "P"])
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (641, 480), (1434, 2333)])
def test_same_array_as_numpy(mode, size):
    rng = np.random.default_rng(sum(size))
    rgb = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8), "RGB")
    img = rgb.convert(mode)
    got, want = image_pixels(img), np.asarray(img)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.array_equal(got, want)
    assert not got.flags.writeable
