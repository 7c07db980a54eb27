//! Tests of the Winograd path: its tiling, and outputs and gradients against the definition.

use candle_core::{Device, Tensor, Var};

use super::*;
use crate::kernels::Conv2dOp;
use crate::kernels::conv::Algorithm;
use crate::kernels::conv::reference::naive;

fn values(len: usize, seed: f32) -> Vec<f32> {
    (0..len).map(|i| ((i as f32 + seed) * 0.37).sin()).collect()
}

fn assert_close(got: &[f32], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, v) in got.iter().zip(want) {
        assert!((f64::from(*g) - v).abs() <= 1e-4 * (1.0 + v.abs()), "{what}: {g} vs {v}");
    }
    assert!(want.iter().any(|v| v.abs() > 1e-3), "{what}: a trivial case");
}

/// Forward, input gradient and weight gradient of this path, called
/// directly, against the definition: odd and even sizes, every padding
/// from 0 to 2 (asymmetric too), the smallest image a 3×3 kernel fits,
/// more filters than one product takes, batches of one (gemm split over
/// threads) and more, split into image ranges for the weight gradient.
#[test]
fn convolutions_and_gradients_match_the_definition() {
    // pads, [batch, channels, h, w], filters
    let cases: [([usize; 4], [usize; 4], usize); 9] = [
        ([1; 4], [2, 3, 7, 9], 5),
        ([1; 4], [3, 4, 6, 6], 4),
        ([0; 4], [2, 3, 7, 8], 2),
        ([2; 4], [2, 2, 5, 4], 3),
        ([1, 0, 2, 1], [2, 3, 5, 6], 4),
        ([0, 2, 0, 1], [1, 2, 4, 5], 3),
        ([0; 4], [2, 2, 3, 3], 2),
        ([1; 4], [1, 50, 6, 5], 60),
        ([1; 4], [2, 7, 1, 1], 3),
    ];
    for (n, (pads, shape, filters)) in cases.into_iter().enumerate() {
        let op = Conv2dOp { kernel: (3, 3), stride: 1, dilation: 1, pads, groups: 1 };
        let [batch, channels, h, w] = shape;
        let dims = op.dims(&(batch, channels, h, w).into(), &(filters, channels, 3, 3).into()).unwrap();
        let wg = Winograd::new(&dims.window).unwrap_or_else(|| panic!("case {n}: the path must apply"));
        let (x, weight) = (values(batch * channels * h * w, 1.0), values(filters * channels * 9, 2.0));
        let r = values(batch * dims.out_image(), 3.0);
        let [y, dx, dw] = naive(&op, shape, filters, &x, &weight, &r);
        let bias = values(filters, 4.0);
        let with_bias: Vec<f64> =
            (0..y.len()).map(|i| y[i] + f64::from(bias[i / dims.positions() % filters])).collect();
        let relu: Vec<f64> = with_bias.iter().map(|v| v.max(0.0)).collect();
        assert_close(&forward(&wg, &dims, &x, &weight, None, false), &y, &format!("case {n} forward"));
        assert_close(&forward(&wg, &dims, &x, &weight, Some(&bias), true), &relu, &format!("case {n} bias, relu"));
        assert_close(&input_grad(&wg, &dims, &r, &weight), &dx, &format!("case {n} input gradient"));
        let whole = weight_grad_sum(&wg, &dims, &x, &r, 0..batch, batch == 1);
        assert_close(&whole, &dw, &format!("case {n} weight gradient"));
        if batch > 1 {
            let mut parts = weight_grad_sum(&wg, &dims, &x, &r, 0..1, false);
            let rest = weight_grad_sum(&wg, &dims, &x, &r, 1..batch, false);
            parts.iter_mut().zip(&rest).for_each(|(a, b)| *a += b);
            assert_close(&parts, &dw, &format!("case {n} weight gradient in parts"));
        }
    }
}

/// Through the op (with the test build's threshold, 64 channels and more
/// take this path): forward and candle's autograd against the definition.
#[test]
fn the_op_takes_this_path_from_the_threshold_on() {
    let dev = Device::Cpu;
    let (batch, channels, h, w, filters) = (2, 64, 5, 6, 64);
    let op = Conv2dOp { kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4], groups: 1 };
    let dims = op.dims(&(batch, channels, h, w).into(), &(filters, channels, 3, 3).into()).unwrap();
    let on_this_path = |a: Algorithm| matches!(a, Algorithm::Winograd(_));
    assert!(on_this_path(Algorithm::for_forward(&dims)), "the op takes this path");
    assert!(on_this_path(Algorithm::for_input_grad(&dims)), "its input gradient too");
    let fewer = op.dims(&(batch, 8, h, w).into(), &(filters, 8, 3, 3).into()).unwrap();
    assert!(
        matches!(Algorithm::for_forward(&fewer), Algorithm::Shifted(_)),
        "fewer channels take the stride-1 path in tests"
    );
    let large = op.dims(&(1, 64, 224, 224).into(), &(64, 64, 3, 3).into()).unwrap();
    assert!(!on_this_path(Algorithm::for_forward(&large)), "a 224×224 image would need 99 MiB of scratch");
    assert!(!on_this_path(Algorithm::for_input_grad(&large)));
    let (x, weight) = (values(batch * channels * h * w, 1.0), values(filters * channels * 9, 2.0));
    let r = values(batch * dims.out_image(), 3.0);
    let want = naive(&op, [batch, channels, h, w], filters, &x, &weight, &r);
    let xv = Var::from_vec(x, (batch, channels, h, w), &dev).unwrap();
    let wv = Var::from_vec(weight, (filters, channels, 3, 3), &dev).unwrap();
    let y = xv.as_tensor().apply_op2(wv.as_tensor(), op).unwrap();
    let grads = (&y * Tensor::from_vec(r, y.shape(), &dev).unwrap()).unwrap().sum_all().unwrap().backward().unwrap();
    let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_close(&flat(&y), &want[0], "forward");
    assert_close(&flat(grads.get(xv.as_tensor()).unwrap()), &want[1], "input gradient");
    assert_close(&flat(grads.get(wv.as_tensor()).unwrap()), &want[2], "weight gradient");
}

#[test]
fn tiles_cover_the_output_and_the_transposed_tiling_gives_the_input() {
    let window = Window { h: 28, w: 28, kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4] };
    let wg = Winograd::new(&window).unwrap();
    // 14 × 14 tiles, and a spare one per tile row.
    assert_eq!((wg.oh, wg.ow, wg.th, wg.tw, wg.tiles()), (28, 28, 14, 14, 210));
    let odd = Winograd::new(&Window { h: 7, w: 9, pads: [1, 0, 2, 0], ..window }).unwrap();
    assert_eq!((odd.oh, odd.ow, odd.th, odd.tw), (6, 9, 3, 5));
    let t = odd.transposed();
    assert_eq!((t.h, t.w, t.pads, t.oh, t.ow), (6, 9, [1, 2, 0, 2], 7, 9));
}

#[test]
fn declines_other_kernels_strides_dilations_and_wide_paddings() {
    let window = Window { h: 8, w: 8, kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4] };
    assert!(Winograd::new(&window).is_some());
    assert!(Winograd::new(&Window { stride: 2, ..window }).is_none());
    assert!(Winograd::new(&Window { dilation: 2, ..window }).is_none());
    assert!(Winograd::new(&Window { kernel: (5, 5), ..window }).is_none());
    assert!(Winograd::new(&Window { kernel: (1, 3), ..window }).is_none());
    assert!(Winograd::new(&Window { pads: [3, 1, 1, 1], ..window }).is_none());
    assert!(Winograd::new(&Window { h: 1, w: 1, pads: [0; 4], ..window }).is_none());
}

/// The weight transform and its adjoint: `⟨G g Gᵀ, dU⟩ = ⟨g, Gᵀ dU G⟩`
/// for every kernel, and the flipped transform is the transform of the
/// flipped, transposed kernel.
#[test]
fn the_weight_transform_and_its_adjoint_agree() {
    let (outs, ins) = (3, 2);
    let weight = values(outs * ins * 9, 0.5);
    let mut u = vec![0f32; POINTS * outs * ins];
    transform_weights(&weight, outs, ins, false, &mut u);
    let du = values(POINTS * outs * ins, 7.0);
    let dw = untransform_weight_grad(&du, outs, ins);
    let lhs: f64 = u.iter().zip(&du).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum();
    let rhs: f64 = weight.iter().zip(&dw).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum();
    assert!((lhs - rhs).abs() < 1e-4, "{lhs} vs {rhs}");
    let mut flipped = vec![0f32; weight.len()];
    for (o, i, k) in (0..outs).flat_map(|o| (0..ins).flat_map(move |i| (0..9).map(move |k| (o, i, k)))) {
        flipped[(i * outs + o) * 9 + k] = weight[(o * ins + i) * 9 + 8 - k];
    }
    let (mut a, mut b) = (vec![0f32; u.len()], vec![0f32; u.len()]);
    transform_weights(&weight, outs, ins, true, &mut a);
    transform_weights(&flipped, ins, outs, false, &mut b);
    assert_eq!(a, b);
}
