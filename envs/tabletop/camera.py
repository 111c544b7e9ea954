"""The fixed camera over the table: renders RGB, depth and the segmentation mask, and maps pixels back to 3-D."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet as p

IMAGE_SIZE = 224


@dataclass(frozen=True)
class CameraSpec:
    """A pinhole camera on the far side of the table looking back at the robot (image top = the robot's side)."""

    eye: tuple[float, float, float] = (1.08, 0.0, 0.95)
    target: tuple[float, float, float] = (0.45, 0.0, 0.0)
    up: tuple[float, float, float] = (-1.0, 0.0, 0.0)
    fov: float = 42.0
    near: float = 0.1
    far: float = 3.0
    size: int = IMAGE_SIZE


@dataclass
class Frame:
    rgb: np.ndarray  # (H, W, 3) uint8
    depth: np.ndarray  # (H, W) metres along the optical axis
    seg: np.ndarray  # (H, W) int body id, -1 for background
    points: np.ndarray  # (H, W, 3) world coordinates of each pixel


class Camera:
    def __init__(self, client: int, spec: CameraSpec = CameraSpec()):
        self.client, self.spec = client, spec
        self.view = p.computeViewMatrix(spec.eye, spec.target, spec.up)
        self.proj = p.computeProjectionMatrixFOV(spec.fov, 1.0, spec.near, spec.far)
        # OpenGL matrices are column-major
        v = np.array(self.view).reshape(4, 4).T
        pr = np.array(self.proj).reshape(4, 4).T
        self._inv = np.linalg.inv(pr @ v)
        n = spec.size
        u = (2 * np.arange(n) + 1) / n - 1
        self._ndc_x, self._ndc_y = np.meshgrid(u, -u)

    def render(self, with_points: bool = True) -> Frame:
        n = self.spec.size
        _, _, rgba, zbuf, seg = p.getCameraImage(n, n, self.view, self.proj, renderer=p.ER_TINY_RENDERER,
                                                 lightDirection=(0.4, 0.2, 1.0), lightAmbientCoeff=0.55,
                                                 lightDiffuseCoeff=0.45, lightSpecularCoeff=0.05, shadow=0,
                                                 physicsClientId=self.client)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(n, n, 4)[:, :, :3].copy()
        z = np.asarray(zbuf, dtype=np.float64).reshape(n, n)
        seg = np.asarray(seg, dtype=np.int64).reshape(n, n)
        near, far = self.spec.near, self.spec.far
        depth = far * near / (far - (far - near) * z)
        points = self.unproject(z) if with_points else np.zeros((n, n, 3))
        return Frame(rgb, depth, seg, points)

    def unproject(self, zbuf: np.ndarray) -> np.ndarray:
        ndc = np.stack([self._ndc_x, self._ndc_y, 2 * zbuf - 1, np.ones_like(zbuf)], axis=-1)
        world = ndc @ self._inv.T
        return world[..., :3] / world[..., 3:4]
