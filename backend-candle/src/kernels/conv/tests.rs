//! Tests of the dispatcher: autograd through the custom ops, and the
//! columns path split into row blocks, against candle's own convolution.

use candle_core::{Device, Tensor, Var};

use super::*;

/// An input that tracks no gradient (a batch of images) gets none; the
/// weight and bias gradients are still candle's.
#[test]
fn plain_inputs_get_no_gradient() {
    let dev = Device::Cpu;
    let values = |n: usize, seed: f32| (0..n).map(|i| ((i as f32 + seed) * 0.37).sin()).collect::<Vec<f32>>();
    let x = Tensor::from_vec(values(2 * 3 * 6 * 5, 1.0), (2, 3, 6, 5), &dev).unwrap();
    let wt = Var::from_vec(values(4 * 3 * 9, 2.0), (4, 3, 3, 3), &dev).unwrap();
    let bias = Var::from_vec(values(4, 3.0), 4, &dev).unwrap();
    let op = Conv2dOp { kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4], groups: 1 };
    let r = Tensor::from_vec(values(2 * 4 * 6 * 5, 4.0), (2, 4, 6, 5), &dev).unwrap();
    let ours = x.apply_op3(wt.as_tensor(), bias.as_tensor(), op).unwrap();
    let theirs =
        x.conv2d(wt.as_tensor(), 1, 1, 1, 1).unwrap().broadcast_add(&bias.reshape((1, 4, 1, 1)).unwrap()).unwrap();
    let grads = (&ours * &r).unwrap().sum_all().unwrap().backward().unwrap();
    let want = (&theirs * &r).unwrap().sum_all().unwrap().backward().unwrap();
    assert!(grads.get(&x).is_none(), "no gradient for a plain input");
    for var in [wt.as_tensor(), bias.as_tensor()] {
        let (got, want) = (grads.get(var).unwrap(), want.get(var).unwrap());
        let (got, want) = (
            got.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            want.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        );
        for (u, v) in got.iter().zip(&want) {
            assert!((u - v).abs() <= 1e-4 * (1.0 + v.abs()), "{u} vs {v}");
        }
    }
}

/// With the small test blocks every layer here is split into row blocks;
/// forward and gradients must still match candle's own convolution.
#[test]
fn blocked_columns_match_candle_forward_and_gradients() {
    let dev = Device::Cpu;
    for (channels, stride, groups) in [(12, 1, 1), (8, 2, 2)] {
        let (batch, filters, h, w) = (2, 4, 9, 11);
        let values = |n: usize, seed: f32| (0..n).map(|i| ((i as f32 + seed) * 0.37).sin()).collect::<Vec<f32>>();
        let x = Var::from_vec(values(batch * channels * h * w, 1.0), (batch, channels, h, w), &dev).unwrap();
        let wt = Var::from_vec(values(filters * channels / groups * 9, 2.0), (filters, channels / groups, 3, 3), &dev)
            .unwrap();
        let op = Conv2dOp { kernel: (3, 3), stride, dilation: 1, pads: [1; 4], groups };
        let d = op.dims(x.shape(), wt.shape()).unwrap();
        assert!(columns::block_rows(&d) < d.oh, "the test must split the columns");
        let r =
            Tensor::from_vec(values(batch * filters * d.oh * d.ow, 3.0), (batch, filters, d.oh, d.ow), &dev).unwrap();
        let mut results = Vec::new();
        for ours in [true, false] {
            let y = if ours {
                x.as_tensor().apply_op2(wt.as_tensor(), op)
            } else {
                x.as_tensor().conv2d(wt.as_tensor(), 1, stride, 1, groups)
            }
            .unwrap();
            let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            results.push([flat(&y), flat(grads.get(x.as_tensor()).unwrap()), flat(grads.get(wt.as_tensor()).unwrap())]);
        }
        for (what, (a, b)) in
            ["forward", "input gradient", "weight gradient"].iter().zip(results[0].iter().zip(&results[1]))
        {
            for (u, v) in a.iter().zip(b) {
                assert!((u - v).abs() <= 1e-4 * (1.0 + v.abs()), "{what}: {u} vs {v}");
            }
        }
    }
}
