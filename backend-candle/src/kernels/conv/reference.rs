//! The definition of a stride-1 convolution, in f64, for the kernels' unit tests.

use super::super::im2col::Window;
use super::Conv2dOp;

/// `(y, dx, dw)` of `sum(conv(x, w) · r)` by the definition, in f64.
#[allow(clippy::too_many_arguments)]
pub(super) fn naive(
    op: &Conv2dOp,
    shape: [usize; 4],
    filters: usize,
    x: &[f32],
    w: &[f32],
    r: &[f32],
) -> [Vec<f64>; 3] {
    let [batch, channels, h, wd] = shape;
    let win = Window { h, w: wd, kernel: op.kernel, stride: 1, dilation: op.dilation, pads: op.pads };
    let (oh, ow) = win.output();
    let (kh, kw) = op.kernel;
    let (cg, fg) = (channels / op.groups, filters / op.groups);
    let (mut y, mut dx, mut dw) = (vec![0f64; batch * filters * oh * ow], vec![0f64; x.len()], vec![0f64; w.len()]);
    for b in 0..batch {
        for f in 0..filters {
            for (i, j) in (0..oh).flat_map(|i| (0..ow).map(move |j| (i, j))) {
                let o = ((b * filters + f) * oh + i) * ow + j;
                for (c, u, v) in (0..cg).flat_map(|c| (0..kh).flat_map(move |u| (0..kw).map(move |v| (c, u, v)))) {
                    let yy = (i + u * op.dilation) as isize - op.pads[0] as isize;
                    let xx = (j + v * op.dilation) as isize - op.pads[2] as isize;
                    if yy < 0 || xx < 0 || yy >= h as isize || xx >= wd as isize {
                        continue;
                    }
                    let xk = ((b * channels + f / fg * cg + c) * h + yy as usize) * wd + xx as usize;
                    let wk = ((f * cg + c) * kh + u) * kw + v;
                    y[o] += f64::from(x[xk]) * f64::from(w[wk]);
                    dx[xk] += f64::from(r[o]) * f64::from(w[wk]);
                    dw[wk] += f64::from(r[o]) * f64::from(x[xk]);
                }
            }
        }
    }
    [y, dx, dw]
}
