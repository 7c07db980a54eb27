//! Tests of the stride-1 path: its geometry, and outputs and gradients against the definition.

use candle_core::{Device, Shape, Tensor, Var};

use super::*;
use crate::kernels::Conv2dOp;
use crate::kernels::conv::Algorithm;
use crate::kernels::conv::reference::naive;

/// Stride-1 convolutions on this path (and a few it declines for the
/// input gradient) against the definition: forward and both gradients,
/// batches of one (gemm split over threads) and more, more than
/// [`COLUMN_BLOCK`] channels and filters, groups, dilation, asymmetric
/// padding, 1×n and n×1 kernels.
#[test]
fn stride_one_convolutions_match_the_definition() {
    let dev = Device::Cpu;
    // kernel, dilation, pads, groups, [batch, channels, h, w], filters
    type Case = ((usize, usize), usize, [usize; 4], usize, [usize; 4], usize);
    let cases: [Case; 12] = [
        ((3, 3), 1, [1; 4], 1, [2, 3, 7, 9], 5),
        // Paddings wider than the kernel's reach in all (rows of 5 for a width of 4).
        ((3, 3), 1, [1, 1, 2, 1], 1, [2, 3, 5, 4], 4),
        // Kernel columns wrapping a whole row or more: those taps read padding only.
        ((3, 3), 2, [2; 4], 1, [2, 3, 4, 2], 3),
        ((1, 2), 2, [0, 0, 1, 1], 1, [2, 2, 3, 1], 3),
        ((3, 3), 1, [1; 4], 1, [1, 50, 6, 5], 60),
        ((3, 3), 2, [2, 1, 0, 2], 2, [3, 4, 8, 6], 6),
        ((1, 3), 1, [0, 0, 1, 1], 1, [2, 2, 4, 5], 3),
        // Two channels per group (one per group is depthwise: its own algorithm).
        ((3, 1), 2, [2, 2, 0, 0], 3, [2, 6, 5, 4], 3),
        ((2, 4), 1, [0, 1, 3, 0], 1, [2, 2, 5, 6], 2),
        ((5, 5), 1, [2, 2, 2, 2], 1, [1, 2, 3, 3], 4),
        // Paddings beyond the kernel's reach: the input gradient falls back to col2im.
        ((1, 3), 1, [1, 1, 1, 1], 1, [2, 2, 4, 5], 3),
        ((3, 3), 1, [4, 0, 1, 1], 1, [2, 2, 3, 4], 2),
    ];
    let mut transposed = 0;
    for (n, (kernel, dilation, pads, groups, shape, filters)) in cases.into_iter().enumerate() {
        let op = Conv2dOp { kernel, stride: 1, dilation, pads, groups };
        let [batch, channels, h, w] = shape;
        let window = Window { h, w, kernel, stride: 1, dilation, pads };
        let s = Shifted::new(&window).unwrap_or_else(|| panic!("case {n}: the path must apply"));
        let d =
            op.dims(&Shape::from(shape.to_vec()), &(filters, channels / groups, kernel.0, kernel.1).into()).unwrap();
        assert_eq!(Algorithm::for_forward(&d), Algorithm::Shifted(s), "case {n}: the op takes this path");
        transposed += usize::from(s.transposed().is_some_and(|t| t.output() == (h, w)));
        let values = |len: usize, seed: f32| (0..len).map(|i| ((i as f32 + seed) * 0.37).sin()).collect::<Vec<_>>();
        let x = values(batch * channels * h * w, 1.0);
        let wt = values(filters * channels / groups * kernel.0 * kernel.1, 2.0);
        let (oh, ow) = s.output();
        let r = values(batch * filters * oh * ow, 3.0);
        let want = naive(&op, shape, filters, &x, &wt, &r);
        let xv = Var::from_vec(x, (batch, channels, h, w), &dev).unwrap();
        let wv = Var::from_vec(wt, (filters, channels / groups, kernel.0, kernel.1), &dev).unwrap();
        let y = xv.as_tensor().apply_op2(wv.as_tensor(), op).unwrap();
        let grads =
            (&y * Tensor::from_vec(r, y.shape(), &dev).unwrap()).unwrap().sum_all().unwrap().backward().unwrap();
        let got = [&y, grads.get(xv.as_tensor()).unwrap(), grads.get(wv.as_tensor()).unwrap()];
        for (what, (got, want)) in ["forward", "input gradient", "weight gradient"].iter().zip(got.iter().zip(&want)) {
            let got = got.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            assert_eq!(got.len(), want.len(), "case {n} {what}");
            for (g, v) in got.iter().zip(want) {
                assert!((f64::from(*g) - v).abs() <= 1e-4 * (1.0 + v.abs()), "case {n} {what}: {g} vs {v}");
            }
        }
    }
    assert_eq!(transposed, 10, "ten cases run the input gradient on this path too");
}

/// A 3×3 "same" convolution of a 28-wide image: rows of 28 (no padding
/// columns), a grid of exactly 28 × 28; the left taps read the last
/// input column of the row above at output column 0, the right taps the
/// first of the row below at column 27. Taps two rows of a narrow image
/// away read no input at all.
#[test]
fn rows_keep_the_width_and_wrapped_columns_are_masked() {
    let window = Window { h: 28, w: 28, kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4] };
    let s = Shifted::new(&window).unwrap();
    assert_eq!((s.row, s.positions), (28, 784));
    assert_eq!([0, 1, 2].map(|v| s.wrapped_columns(v)), [Some(27..28), Some(0..0), Some(0..1)]);
    let wide = Shifted::new(&Window { h: 4, w: 4, pads: [1, 1, 2, 1], ..window }).unwrap();
    assert_eq!((wide.row, wide.output()), (5, (4, 5)));
    assert_eq!([0, 1, 2].map(|v| wide.wrapped_columns(v)), [Some(3..4), Some(0..0), Some(0..0)]);
    let narrow = Shifted::new(&Window { h: 4, w: 2, dilation: 2, pads: [2; 4], ..window }).unwrap();
    assert_eq!([0, 1, 2].map(|v| narrow.wrapped_columns(v)), [None, Some(0..0), None]);
}

#[test]
fn declines_strides_pointwise_and_wide_paddings() {
    let window = Window { h: 8, w: 8, kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4] };
    assert!(Shifted::new(&window).is_some());
    assert!(Shifted::new(&Window { stride: 2, ..window }).is_none());
    assert!(Shifted::new(&Window { kernel: (1, 1), pads: [0; 4], ..window }).is_none());
    assert!(Shifted::new(&Window { pads: [1, 1, 3, 3], ..window }).is_none());
}
