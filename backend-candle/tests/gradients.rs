//! Gradients of our own ops and optimizers against finite differences and
//! closed forms.

use archspace_candle::ops::{ConvGeometry, DropPath, Pool2d, PoolKind};
use archspace_candle::train::{Adam, Optimizer, Sgd};
use candle_core::{Device, Module, ModuleT, Tensor, Var};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Distinct values spaced 0.1 apart, shuffled: finite differences never change a max.
fn distinct_input(dims: &[usize], seed: u64) -> Vec<f32> {
    let n: usize = dims.iter().product();
    let mut values: Vec<f32> = (0..n).map(|i| i as f32 * 0.1 - n as f32 * 0.05).collect();
    values.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    values
}

/// Analytic gradient of `sum(f(x) · r)` via backward, and the central finite difference.
fn gradients(f: &dyn Fn(&Tensor) -> candle_core::Result<Tensor>, dims: &[usize], seed: u64) -> (Vec<f32>, Vec<f32>) {
    let dev = Device::Cpu;
    let x0 = distinct_input(dims, seed);
    let x = Var::from_vec(x0.clone(), dims, &dev).expect("var");
    let y = f(x.as_tensor()).expect("forward");
    let mut rng = ChaCha8Rng::seed_from_u64(seed + 1);
    let r: Vec<f32> = (0..y.elem_count()).map(|_| rng.random_range(-1.0..1.0)).collect();
    let r = Tensor::from_vec(r, y.shape(), &dev).expect("weights");
    let objective = |t: &Tensor| -> f64 {
        f64::from(
            (f(t).expect("forward") * &r).expect("mul").sum_all().expect("sum").to_scalar::<f32>().expect("scalar"),
        )
    };
    let grads = (y * &r).expect("mul").sum_all().expect("sum").backward().expect("backward");
    let analytic =
        grads.get(x.as_tensor()).expect("gradient").flatten_all().expect("flat").to_vec1::<f32>().expect("vec");
    let eps = 1e-2f32;
    let numeric = (0..x0.len())
        .map(|i| {
            let mut plus = x0.clone();
            plus[i] += eps;
            let mut minus = x0.clone();
            minus[i] -= eps;
            let p = objective(&Tensor::from_vec(plus, dims, &dev).expect("tensor"));
            let m = objective(&Tensor::from_vec(minus, dims, &dev).expect("tensor"));
            ((p - m) / (2.0 * f64::from(eps))) as f32
        })
        .collect();
    (analytic, numeric)
}

fn assert_close(a: &[f32], b: &[f32], tol: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{what}: element {i}: {x} vs {y}");
    }
}

fn geometries() -> Vec<ConvGeometry> {
    vec![
        ConvGeometry { kernel: (3, 3), stride: 2, dilation: 1, pads: [1; 4] },
        ConvGeometry { kernel: (2, 2), stride: 1, dilation: 1, pads: [0; 4] },
        ConvGeometry { kernel: (3, 2), stride: 2, dilation: 1, pads: [0, 1, 1, 0] },
        ConvGeometry { kernel: (2, 2), stride: 2, dilation: 1, pads: [0; 4] },
    ]
}

#[test]
fn pooling_gradients_match_finite_differences() {
    for kind in [PoolKind::Max, PoolKind::Average] {
        for (i, g) in geometries().into_iter().enumerate() {
            let pool = Pool2d::new(kind, g);
            let (analytic, numeric) = gradients(&|x| pool.forward(x), &[2, 2, 5, 6], i as u64);
            assert_close(&analytic, &numeric, 2e-2, &format!("{kind:?} {g:?}"));
            assert!(analytic.iter().any(|&v| v != 0.0), "{kind:?} {g:?}: gradient not all zero");
        }
    }
}

#[test]
fn composed_pooling_agrees_with_the_custom_op() {
    for kind in [PoolKind::Max, PoolKind::Average] {
        for (i, g) in geometries().into_iter().enumerate() {
            let pool = Pool2d::new(kind, g);
            let (custom, _) = gradients(&|x| pool.forward(x), &[1, 3, 6, 5], 10 + i as u64);
            let (composed, _) = gradients(&|x| pool.forward_composed(x), &[1, 3, 6, 5], 10 + i as u64);
            assert_close(&custom, &composed, 1e-5, &format!("{kind:?} {g:?} gradient"));
            let x = Tensor::from_vec(distinct_input(&[1, 3, 6, 5], 3), (1, 3, 6, 5), &Device::Cpu).expect("tensor");
            let a = pool.forward(&x).and_then(|t| t.flatten_all()?.to_vec1::<f32>()).expect("custom");
            let b = pool.forward_composed(&x).and_then(|t| t.flatten_all()?.to_vec1::<f32>()).expect("composed");
            assert_close(&a, &b, 1e-5, &format!("{kind:?} {g:?} forward"));
        }
    }
}

#[test]
fn drop_path_gradient_is_its_mask() {
    let layer = DropPath::new(0.5, 11);
    // The layer's generator advances per call, so compare against the same call's output.
    let x = Var::from_vec(vec![1f32; 16 * 3], (16, 3), &Device::Cpu).expect("var");
    let y = layer.forward_t(x.as_tensor(), true).expect("forward");
    let grad = y.sum_all().and_then(|s| s.backward()).expect("backward");
    let g = grad.get(x.as_tensor()).expect("gradient").to_vec2::<f32>().expect("vec");
    let y = y.to_vec2::<f32>().expect("vec");
    assert_eq!(g, y, "d(sum(x·m))/dx = m, and y = m for x = 1");
    let kept = y.iter().filter(|row| row[0] == 2.0).count();
    assert!(y.iter().all(|row| row.iter().all(|&v| v == row[0])), "one decision per sample");
    assert!((3..=13).contains(&kept), "about half the samples kept, got {kept}");
    let eval = layer.forward_t(x.as_tensor(), false).and_then(|t| t.to_vec2::<f32>()).expect("eval");
    assert!(eval.iter().flatten().all(|&v| v == 1.0), "eval mode is the identity");
}

/// PyTorch's SGD recurrence on scalars.
fn sgd_reference(w0: f32, grads: &[f32], lr: f32, momentum: f32, nesterov: bool, decay: f32) -> f32 {
    let (mut w, mut v) = (w0, None::<f32>);
    for &g0 in grads {
        let g = g0 + decay * w;
        let nv = v.map_or(g, |v| momentum * v + g);
        v = Some(nv);
        w -= lr * if nesterov { g + momentum * nv } else { nv };
    }
    w
}

#[test]
fn sgd_momentum_and_nesterov_follow_the_reference_recurrence() {
    let grads = [0.5f32, -1.0, 2.0, 0.25];
    for nesterov in [false, true] {
        for decay in [0.0f32, 0.1] {
            let w = Var::new(&[1.5f32], &Device::Cpu).expect("var");
            let mut sgd = Sgd::new(vec![w.clone()], 0.9, nesterov, f64::from(decay));
            for &g in &grads {
                sgd.step(&[Some(Tensor::new(&[g], &Device::Cpu).expect("grad"))], 0.1).expect("step");
            }
            let got = w.as_tensor().to_vec1::<f32>().expect("vec")[0];
            let want = sgd_reference(1.5, &grads, 0.1, 0.9, nesterov, decay);
            assert!((got - want).abs() < 1e-5, "nesterov {nesterov} decay {decay}: {got} vs {want}");
        }
    }
}

#[test]
fn sgd_with_momentum_minimises_a_quadratic_faster_than_without() {
    // f(w) = ½ Σ a_i w_i² with an ill-conditioned a; gradient a·w.
    let a = Tensor::new(&[1.0f32, 0.05], &Device::Cpu).expect("a");
    let distance = |momentum: f64, nesterov: bool| {
        let w = Var::new(&[1.0f32, 1.0], &Device::Cpu).expect("var");
        let mut sgd = Sgd::new(vec![w.clone()], momentum, nesterov, 0.0);
        for _ in 0..60 {
            let g = (w.as_tensor() * &a).expect("grad");
            sgd.step(&[Some(g)], 0.5).expect("step");
        }
        w.as_tensor().sqr().and_then(|t| t.sum_all()?.to_scalar::<f32>()).expect("norm")
    };
    let plain = distance(0.0, false);
    assert!(distance(0.9, false) < plain / 10.0, "momentum helps: {plain}");
    assert!(distance(0.9, true) < plain / 10.0, "nesterov helps: {plain}");
}

#[test]
fn adam_first_step_moves_by_the_learning_rate_and_adamw_decays() {
    let w = Var::new(&[1.0f32, -2.0], &Device::Cpu).expect("var");
    let mut adam = Adam::new(vec![w.clone()], (0.9, 0.999), 1e-8, 0.0, false);
    adam.step(&[Some(Tensor::new(&[3.0f32, -0.5], &Device::Cpu).expect("g"))], 0.01).expect("step");
    let got = w.as_tensor().to_vec1::<f32>().expect("vec");
    assert!((got[0] - 0.99).abs() < 1e-5 && (got[1] + 1.99).abs() < 1e-5, "{got:?}");

    let w = Var::new(&[1.0f32], &Device::Cpu).expect("var");
    let mut adamw = Adam::new(vec![w.clone()], (0.9, 0.999), 1e-8, 0.5, true);
    adamw.step(&[Some(Tensor::new(&[0.0f32], &Device::Cpu).expect("g"))], 0.1).expect("step");
    let got = w.as_tensor().to_vec1::<f32>().expect("vec")[0];
    assert!((got - 0.95).abs() < 1e-6, "decoupled decay w·(1 - lr·wd): {got}");
}

#[test]
fn depthwise_kernel_matches_candle_and_finite_differences() {
    use archspace_candle::ops::Padded2d;
    let dev = Device::Cpu;
    let cases = [
        (ConvGeometry { kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4] }, 1),
        (ConvGeometry { kernel: (3, 3), stride: 2, dilation: 2, pads: [2, 1, 1, 2] }, 2),
        (ConvGeometry { kernel: (1, 5), stride: 1, dilation: 1, pads: [0, 0, 2, 2] }, 1),
    ];
    for (case, (geometry, multiplier)) in cases.into_iter().enumerate() {
        let (channels, kh, kw) = (3, geometry.kernel.0, geometry.kernel.1);
        let filters = channels * multiplier;
        let w0 = distinct_input(&[filters, 1, kh, kw], 40 + case as u64);
        let w = Var::from_vec(w0.iter().map(|v| v / 10.0).collect(), (filters, 1, kh, kw), &dev).expect("weight");
        let bias = Tensor::new(&vec![0.5f32; filters][..], &dev).expect("bias");
        let conv = Padded2d::new(w.as_tensor().clone(), Some(bias), geometry, channels);
        // Gradient with respect to the input, against finite differences.
        let (analytic, numeric) = gradients(&|x| conv.forward(x), &[2, channels, 6, 7], 50 + case as u64);
        assert_close(&analytic, &numeric, 2e-2, &format!("case {case}: input gradient"));
        // Forward and both gradients against candle's grouped convolution.
        let x = Tensor::from_vec(distinct_input(&[2, channels, 6, 7], 7), (2, channels, 6, 7), &dev).expect("x");
        let x = Var::from_tensor(&x).expect("var");
        let mut results = Vec::new();
        for custom in [true, false] {
            let y =
                if custom { conv.forward(x.as_tensor()) } else { conv.forward_candle(x.as_tensor()) }.expect("forward");
            let r = Tensor::from_vec(distinct_input(y.dims(), 8), y.shape(), &dev).expect("weights");
            let grads = (&y * &r).and_then(|t| t.sum_all()?.backward()).expect("backward");
            let flat = |t: &Tensor| t.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("vec");
            results.push((
                flat(&y),
                flat(grads.get(x.as_tensor()).expect("dx")),
                flat(grads.get(w.as_tensor()).expect("dw")),
            ));
        }
        assert_close(&results[0].0, &results[1].0, 1e-4, &format!("case {case}: forward"));
        assert_close(&results[0].1, &results[1].1, 1e-4, &format!("case {case}: input gradient vs candle"));
        assert_close(&results[0].2, &results[1].2, 1e-4, &format!("case {case}: weight gradient vs candle"));
    }
}
