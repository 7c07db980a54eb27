//! A window's taps over one plane as *spans*: for each output row and
//! kernel tap, the run of output columns whose tap reads inside the input.
//! A loop over a span is a plain strided slice loop (contiguous at stride
//! one) that the compiler vectorizes, where a loop per output and per tap
//! tests the borders at every tap. Depthwise convolution and pooling use
//! them.

use super::Window;

/// One run of taps: outputs `out .. out + len` of one output row read,
/// through kernel tap `tap` (`u · kw + v`), the inputs
/// `input, input + stride, …` of one input row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) out: usize,
    pub(crate) input: usize,
    pub(crate) len: usize,
    pub(crate) tap: usize,
}

impl Window {
    /// Calls `visit` for every non-empty span of one plane, output row by
    /// output row, then kernel row, then kernel column: for any one output,
    /// its taps come in row-major kernel order.
    pub(crate) fn spans(&self, mut visit: impl FnMut(Span)) {
        let (oh, ow) = self.output();
        let columns: Vec<(usize, usize, isize)> = (0..self.kernel.1).map(|v| self.column_span(v, ow)).collect();
        for i in 0..oh {
            for u in 0..self.kernel.0 {
                let Some(y) = self.input_row(i, u) else { continue };
                for (v, &(first, last, offset)) in columns.iter().enumerate() {
                    if first < last {
                        // `offset + first · stride >= 0` by `column_span`.
                        let x = (offset + (first * self.stride) as isize) as usize;
                        visit(Span {
                            out: i * ow + first,
                            input: y * self.w + x,
                            len: last - first,
                            tap: u * self.kernel.1 + v,
                        });
                    }
                }
            }
        }
    }
}

/// `y[t] += w · x[t · stride]` for every `t < y.len()`.
pub(crate) fn axpy(y: &mut [f32], w: f32, x: &[f32], stride: usize) {
    let n = y.len();
    if stride == 1 {
        y.iter_mut().zip(&x[..n]).for_each(|(y, x)| *y += w * x);
    } else {
        y.iter_mut().zip(x.iter().step_by(stride)).for_each(|(y, x)| *y += w * x);
    }
}

/// `x[t · stride] += w · y[t]` for every `t < y.len()`.
pub(crate) fn scatter(x: &mut [f32], w: f32, y: &[f32], stride: usize) {
    if stride == 1 {
        x[..y.len()].iter_mut().zip(y).for_each(|(x, y)| *x += w * y);
    } else {
        x.iter_mut().step_by(stride).zip(y).for_each(|(x, y)| *x += w * y);
    }
}

/// The sum over `t < y.len()` of `y[t] · x[t · stride]`, in order of `t`.
pub(crate) fn dot(y: &[f32], x: &[f32], stride: usize) -> f32 {
    if stride == 1 {
        y.iter().zip(&x[..y.len()]).map(|(y, x)| y * x).sum()
    } else {
        y.iter().zip(x.iter().step_by(stride)).map(|(y, x)| y * x).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every in-input tap of every output, by brute force.
    fn taps(win: &Window) -> Vec<(usize, usize, usize)> {
        let (oh, ow) = win.output();
        let mut all = Vec::new();
        for i in 0..oh {
            for j in 0..ow {
                for u in 0..win.kernel.0 {
                    for v in 0..win.kernel.1 {
                        let y = (i * win.stride + u * win.dilation) as isize - win.pads[0] as isize;
                        let x = (j * win.stride + v * win.dilation) as isize - win.pads[2] as isize;
                        if (0..win.h as isize).contains(&y) && (0..win.w as isize).contains(&x) {
                            all.push((i * ow + j, y as usize * win.w + x as usize, u * win.kernel.1 + v));
                        }
                    }
                }
            }
        }
        all.sort_unstable();
        all
    }

    #[test]
    fn spans_cover_exactly_the_in_input_taps() {
        for (h, w) in [(5, 7), (1, 1), (6, 4)] {
            for kernel in [(1, 1), (3, 3), (1, 7), (5, 2)] {
                for stride in 1..=3 {
                    for dilation in 1..=2 {
                        for pads in [[0; 4], [1; 4], [2, 0, 3, 1], [0, 4, 0, 4]] {
                            let win = Window { h, w, kernel, stride, dilation, pads };
                            let eh = (kernel.0 - 1) * dilation + 1;
                            let ew = (kernel.1 - 1) * dilation + 1;
                            if h + pads[0] + pads[1] < eh || w + pads[2] + pads[3] < ew {
                                continue;
                            }
                            let mut got = Vec::new();
                            win.spans(|s| {
                                got.extend((0..s.len).map(|t| (s.out + t, s.input + t * stride, s.tap)));
                            });
                            got.sort_unstable();
                            assert_eq!(got, taps(&win), "{win:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn slice_loops_follow_the_stride() {
        let x: Vec<f32> = (0..9).map(|v| v as f32).collect();
        let mut y = vec![1.0; 3];
        axpy(&mut y, 2.0, &x, 3);
        assert_eq!(y, [1.0, 7.0, 13.0]);
        let mut back = vec![0.0; 9];
        scatter(&mut back, 1.0, &[1.0, 2.0, 3.0], 4);
        assert_eq!(back, [1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 3.0]);
        assert_eq!(dot(&[1.0, 1.0], &x[1..], 2), 4.0);
    }
}
