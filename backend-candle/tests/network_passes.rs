//! The network's graph passes (ReLU fused into the layer before it, global
//! average pooling moved before a concat, convolutions each read only by
//! the next run image by image in eval mode) change no output and no
//! gradient: checked against the same architecture built with candle's ops only.

use archspace_candle::{Kernels, Network, NetworkConfig, ops, ops::Registry};
use candle_core::{Device, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Stem, ReLU, then three branches joined: a conv, a 1×1 conv with its
/// ReLU reading the stem before its ReLU, and the ReLU itself; global
/// average pool, dense. (Candle's ReLU passes gradient at exactly 0, ours
/// and PyTorch's do not; no pre-activation here is exactly 0, which a 1×1
/// conv reading a ReLU's output over few channels would make likely.)
fn branches_then_pool() -> archspace_core::Architecture {
    let mut space = archspace_core::Space::build(|s| {
        let stem = s.named("stem").basic(ops::conv2d(4, 3))?;
        let relu = s.named("relu").basic(ops::relu())?;
        let a = s.named("a").basic(ops::conv2d(3, 3))?;
        let b = s.named("b").basic(ops::conv2d(5, 1))?;
        let rb = s.named("rb").basic(ops::relu())?;
        let cat = s.named("cat").basic(ops::concat(3))?;
        let pool = s.named("pool").basic(ops::global_avg_pool())?;
        let dense = s.named("dense").basic(ops::dense(3))?;
        s.chain(&stem, &relu)?;
        s.chain(&relu, &a)?;
        s.chain(&stem, &b)?;
        s.chain(&b, &rb)?;
        s.connect(a.output("out")?, cat.input("in0")?)?;
        s.connect(rb.output("out")?, cat.input("in1")?)?;
        s.connect(relu.output("out")?, cat.input("in2")?)?;
        s.chain(&cat, &pool)?;
        s.chain(&pool, &dense)?;
        Ok(s.border_of(&stem, &dense))
    })
    .expect("space");
    space.freeze().expect("freezes")
}

/// Output, then every parameter's gradient of the sum of squared outputs.
fn outputs_and_gradients(kernels: Kernels, x: &Tensor) -> Vec<f32> {
    let config = NetworkConfig { kernels, seed: 3, ..NetworkConfig::default() };
    let net = Network::build(&branches_then_pool(), &[2, 7, 7], &Registry::standard(), &config).expect("builds");
    let y = net.forward_t(x, true).expect("forward");
    assert_eq!(y.dims(), &[3, 3]);
    let grads = y.sqr().and_then(|t| t.sum_all()?.backward()).expect("backward");
    let mut all = y.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("y");
    for (name, var) in net.store().trainable_vars() {
        let g = grads.get(var.as_tensor()).unwrap_or_else(|| panic!("no gradient for {name}"));
        all.extend(g.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("gradient"));
    }
    all
}

#[test]
fn pooling_before_a_concat_changes_no_output_or_gradient() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let values: Vec<f32> = (0..3 * 2 * 7 * 7).map(|_| rng.random_range(-1.0..1.0)).collect();
    let x = Tensor::from_vec(values, (3, 2, 7, 7), &Device::Cpu).expect("x");
    let ours = outputs_and_gradients(Kernels::Native, &x);
    let stock = outputs_and_gradients(Kernels::Candle, &x);
    assert_eq!(ours.len(), stock.len());
    assert!(stock.iter().any(|v| v.abs() > 1e-3), "non-trivial outputs and gradients");
    for (i, (a, b)) in ours.iter().zip(&stock).enumerate() {
        assert!((a - b).abs() <= 1e-4 * (1.0 + b.abs()), "element {i}: {a} vs {b}");
    }
}

/// `conv → relu → conv → relu → conv → pool → dense` on 8 channels: in
/// `predict` the three convolutions run as one chain, image by image.
fn conv_chain() -> archspace_core::Architecture {
    let mut space = archspace_core::Space::build(|s| {
        let c1 = s.named("c1").basic(ops::conv2d(8, 3))?;
        let r1 = s.named("r1").basic(ops::relu())?;
        let c2 = s.named("c2").basic(ops::conv2d(9, 3))?;
        let r2 = s.named("r2").basic(ops::relu())?;
        let c3 = s.named("c3").basic(ops::conv2d(8, 3))?;
        let pool = s.named("pool").basic(ops::global_avg_pool())?;
        let dense = s.named("dense").basic(ops::dense(3))?;
        for (a, b) in [(&c1, &r1), (&r1, &c2), (&c2, &r2), (&r2, &c3), (&c3, &pool), (&pool, &dense)] {
            s.chain(a, b)?;
        }
        Ok(s.border_of(&c1, &dense))
    })
    .expect("space");
    space.freeze().expect("freezes")
}

#[test]
fn a_chain_of_convolutions_changes_no_output_or_gradient() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let values: Vec<f32> = (0..3 * 8 * 7 * 7).map(|_| rng.random_range(-1.0..1.0)).collect();
    let x = Tensor::from_vec(values, (3, 8, 7, 7), &Device::Cpu).expect("x");
    let run = |kernels: Kernels| {
        let config = NetworkConfig { kernels, seed: 4, ..NetworkConfig::default() };
        let net = Network::build(&conv_chain(), &[8, 7, 7], &Registry::standard(), &config).expect("builds");
        let predicted = net.predict(&x).and_then(|y| y.flatten_all()?.to_vec1::<f32>()).expect("predict");
        let mut all = predicted.clone();
        // Gradients flow through `forward_t` in both modes, chained or not.
        for train in [true, false] {
            let y = net.forward_t(&x, train).expect("forward");
            let grads = y.sqr().and_then(|t| t.sum_all()?.backward()).expect("backward");
            let values = y.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("y");
            if !train {
                assert_eq!(values, predicted, "predict gives forward_t's eval values, to the bit");
            }
            all.extend(values);
            for (name, var) in net.store().trainable_vars() {
                let g = grads.get(var.as_tensor()).unwrap_or_else(|| panic!("no gradient for {name}"));
                all.extend(g.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("gradient"));
            }
        }
        all
    };
    let (ours, stock) = (run(Kernels::Native), run(Kernels::Candle));
    assert_eq!(ours.len(), stock.len());
    assert!(stock.iter().any(|v| v.abs() > 1e-3), "non-trivial outputs and gradients");
    for (i, (a, b)) in ours.iter().zip(&stock).enumerate() {
        assert!((a - b).abs() <= 1e-4 * (1.0 + b.abs()), "element {i}: {a} vs {b}");
    }
}
