//! Batch norm and ReLU kernels against candle's composed ops: forward and
//! gradients on random shapes (rank 2 and 4, batches of one and more), and
//! the batch-norm layer's running statistics and eval mode against `candle_nn`.

use archspace_candle::kernels::{BatchNormOp, ReluOp, channel_stats};
use candle_core::{D, Device, Tensor, Var};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random(rng: &mut ChaCha8Rng, dims: &[usize], scale: f32, shift: f32) -> Tensor {
    let n = dims.iter().product();
    let v: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0..1.0) * scale + shift).collect();
    Tensor::from_vec(v, dims, &Device::Cpu).expect("tensor")
}

fn assert_close(a: &Tensor, b: &Tensor, tol: f32, what: &str) {
    let flat = |t: &Tensor| t.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("values");
    let (a, b) = (flat(a), flat(b));
    assert_eq!(a.len(), b.len(), "{what}: length");
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{what}: element {i}: {x} vs {y}");
    }
}

/// Batch norm from candle ops: channels moved last, statistics over the rest.
fn composed_batch_norm(x: &Tensor, gamma: &Tensor, beta: &Tensor, eps: f64) -> candle_core::Result<Tensor> {
    let c = x.dim(1)?;
    let rest: Vec<usize> = (0..x.rank()).filter(|&d| d != 1).collect();
    let mut t = x.clone();
    let mut shape = vec![1; x.rank()];
    shape[1] = c;
    let mean = {
        let mut m = t.clone();
        for &d in rest.iter().rev() {
            m = m.mean_keepdim(d)?;
        }
        m
    };
    t = t.broadcast_sub(&mean)?;
    let mut var = t.sqr()?;
    for &d in rest.iter().rev() {
        var = var.mean_keepdim(d)?;
    }
    let y = t.broadcast_div(&(var + eps)?.sqrt()?)?;
    y.broadcast_mul(&gamma.reshape(shape.as_slice())?)?.broadcast_add(&beta.reshape(shape.as_slice())?)
}

#[test]
fn batch_norm_kernel_matches_composed_ops_forward_and_backward() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let shapes: [&[usize]; 5] = [&[4, 3, 5, 6], &[1, 2, 3, 3], &[8, 5], &[2, 7, 1, 9], &[3, 1, 4, 4]];
    for (case, dims) in shapes.into_iter().enumerate() {
        let c = dims[1];
        let x = Var::from_tensor(&random(&mut rng, dims, 2.0, 0.5)).expect("x");
        let gamma = Var::from_tensor(&random(&mut rng, &[c], 1.0, 1.0)).expect("gamma");
        let beta = Var::from_tensor(&random(&mut rng, &[c], 1.0, 0.0)).expect("beta");
        let r = random(&mut rng, dims, 1.0, 0.0);
        let relu = case % 2 == 1; // odd cases: batch norm followed by ReLU, fused
        let mut results = Vec::new();
        for ours in [true, false] {
            let y = if ours {
                x.as_tensor().apply_op3(gamma.as_tensor(), beta.as_tensor(), BatchNormOp { eps: 1e-5, relu })
            } else {
                composed_batch_norm(x.as_tensor(), gamma.as_tensor(), beta.as_tensor(), 1e-5)
                    .and_then(|y| if relu { y.relu() } else { Ok(y) })
            }
            .expect("forward");
            let grads = (&y * &r).and_then(|t| t.sum_all()?.backward()).expect("backward");
            let grad = |v: &Var| grads.get(v.as_tensor()).expect("gradient").clone();
            results.push((y, grad(&x), grad(&gamma), grad(&beta)));
        }
        let (ours, stock) = (&results[0], &results[1]);
        assert_close(&ours.0, &stock.0, 1e-4, &format!("case {case}: forward"));
        assert_close(&ours.1, &stock.1, 1e-3, &format!("case {case}: input gradient"));
        assert_close(&ours.2, &stock.2, 1e-4, &format!("case {case}: scale gradient"));
        assert_close(&ours.3, &stock.3, 1e-4, &format!("case {case}: shift gradient"));
        // channel_stats: means and biased variances.
        let stats = channel_stats(x.as_tensor()).expect("stats");
        let moved = x.as_tensor().transpose(0, 1).and_then(|t| t.flatten_from(1)).expect("moved");
        let mean = moved.mean(D::Minus1).expect("mean");
        let var =
            moved.broadcast_sub(&mean.unsqueeze(1).expect("col")).and_then(|t| t.sqr()?.mean(D::Minus1)).expect("var");
        assert_close(&stats.get(0).expect("means"), &mean, 1e-5, &format!("case {case}: means"));
        assert_close(&stats.get(1).expect("vars"), &var, 1e-4, &format!("case {case}: variances"));
    }
}

#[test]
fn relu_kernel_matches_candle_forward_and_backward() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for dims in [&[3usize, 4, 5, 6][..], &[70_000], &[1, 1]] {
        let x = Var::from_tensor(&random(&mut rng, dims, 1.0, 0.1)).expect("x");
        let r = random(&mut rng, dims, 1.0, 0.0);
        let run = |ours: bool| {
            let y = if ours { x.as_tensor().apply_op1(ReluOp) } else { x.as_tensor().relu() }.expect("forward");
            let grads = (&y * &r).and_then(|t| t.sum_all()?.backward()).expect("backward");
            (y, grads.get(x.as_tensor()).expect("gradient").clone())
        };
        let ((y, dx), (want_y, want_dx)) = (run(true), run(false));
        assert_close(&y, &want_y, 0.0, "forward");
        assert_close(&dx, &want_dx, 0.0, "gradient");
    }
}

#[test]
fn batch_norm_layer_tracks_running_statistics_like_candle_nn() {
    use archspace_candle::ops::{Registry, batch_norm, relu};
    use archspace_candle::{Kernels, Network, NetworkConfig};
    // Batch norm alone, and followed by a ReLU (fused into it with our kernels).
    for with_relu in [false, true] {
        let mut space = archspace_core::Space::build(|s| {
            let norm = s.named("norm").basic(batch_norm())?;
            if !with_relu {
                return Ok(norm);
            }
            let act = s.named("act").basic(relu())?;
            s.connect(norm.output("out")?, act.input("in")?)?;
            Ok(s.border_of(&norm, &act))
        })
        .expect("space");
        let arch = space.freeze().expect("freezes");
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let batches: Vec<Tensor> = (0..3).map(|_| random(&mut rng, &[6, 3, 4, 4], 2.0, 1.0)).collect();
        let probe = random(&mut rng, &[2, 3, 4, 4], 2.0, 1.0);
        let outputs: Vec<(Tensor, Tensor)> = [Kernels::Native, Kernels::Candle]
            .into_iter()
            .map(|kernels| {
                let config = NetworkConfig { kernels, ..NetworkConfig::default() };
                let net = Network::build(&arch, &[3, 4, 4], &Registry::standard(), &config).expect("builds");
                let train: Vec<Tensor> = batches.iter().map(|b| net.forward_t(b, true).expect("train")).collect();
                (Tensor::cat(&train, 0).expect("cat"), net.forward_t(&probe, false).expect("eval"))
            })
            .collect();
        let what = if with_relu { "batch norm + relu" } else { "batch norm" };
        assert_close(&outputs[0].0, &outputs[1].0, 1e-4, &format!("{what}: train-mode outputs"));
        assert_close(&outputs[0].1, &outputs[1].1, 1e-4, &format!("{what}: eval-mode outputs after three updates"));
    }
}
