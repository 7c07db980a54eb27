//! Every op: the forward shape equals shape inference, and the parameter
//! count of inference equals the parameters actually created.

mod common;

use archspace_candle::ops::{self, Registry};
use archspace_core::{Op, Value};
use common::{check_forward, single_op};

fn case(op: Op, input: &[usize], expected: &[usize]) {
    let label = format!("{op:?} on {input:?}");
    let arch = single_op(op);
    let (inferred, actual, params, created) = check_forward(&arch, input).unwrap_or_else(|e| panic!("{label}: {e}"));
    assert_eq!(inferred, expected, "{label}: inferred");
    assert_eq!(actual, expected, "{label}: forward");
    assert_eq!(params, created, "{label}: parameter count");
}

#[test]
fn convolutions() {
    case(ops::conv2d(4, 3), &[2, 9, 9], &[4, 9, 9]);
    case(ops::conv2d(4, 3).param("stride", 2), &[2, 9, 9], &[4, 5, 5]);
    case(ops::conv2d(4, 4).param("stride", 2), &[2, 9, 8], &[4, 5, 4]);
    case(ops::conv2d(4, 3).param("padding", "valid"), &[2, 9, 9], &[4, 7, 7]);
    case(ops::conv2d(4, 3).param("dilation", 2), &[2, 9, 9], &[4, 9, 9]);
    case(ops::conv2d(4, 3).param("dilation", 2).param("padding", "valid"), &[2, 9, 9], &[4, 5, 5]);
    case(ops::conv2d(4, Value::from(vec![1, 5])), &[2, 6, 7], &[4, 6, 7]);
    case(ops::conv2d(6, 3).param("groups", 2).param("bias", false), &[4, 5, 5], &[6, 5, 5]);
    case(ops::conv2d(3, 3).param("padding", 2), &[1, 5, 5], &[3, 7, 7]);
    case(ops::depthwise_conv2d(3), &[4, 6, 6], &[4, 6, 6]);
    case(ops::depthwise_conv2d(5).param("multiplier", 2).param("stride", 2), &[3, 7, 7], &[6, 4, 4]);
    case(ops::separable_conv2d(8, 3), &[4, 6, 6], &[8, 6, 6]);
    case(ops::separable_conv2d(8, 5).param("stride", 2).param("dilation", 2), &[4, 9, 9], &[8, 5, 5]);
    case(ops::factorized_conv2d(5, 7), &[3, 9, 9], &[5, 9, 9]);
    case(ops::factorized_conv2d(5, 3).param("stride", 2), &[3, 9, 8], &[5, 5, 4]);
    case(ops::factorized_reduce(6), &[3, 8, 8], &[6, 4, 4]);
    case(ops::factorized_reduce(7), &[3, 9, 9], &[7, 5, 5]);
}

#[test]
fn pooling() {
    case(ops::max_pool2d(2), &[3, 8, 8], &[3, 4, 4]);
    case(ops::max_pool2d(3).param("stride", 2).param("padding", 1), &[3, 7, 7], &[3, 4, 4]);
    case(ops::avg_pool2d(3).param("stride", 1).param("padding", "same"), &[3, 7, 6], &[3, 7, 6]);
    case(ops::avg_pool2d(Value::from(vec![2, 3])).param("stride", 1), &[2, 5, 5], &[2, 4, 3]);
    case(ops::max_pool2d(2).param("stride", 2), &[2, 7, 7], &[2, 3, 3]);
    case(ops::global_avg_pool(), &[5, 4, 3], &[5]);
}

#[test]
fn elementwise_and_vectors() {
    for op in [ops::relu(), ops::relu6(), ops::elu(), ops::sigmoid(), ops::tanh(), ops::gelu()] {
        case(op, &[2, 3, 3], &[2, 3, 3]);
    }
    case(ops::batch_norm(), &[4, 3, 3], &[4, 3, 3]);
    case(ops::batch_norm(), &[6], &[6]);
    case(ops::dropout(0.5), &[2, 3, 3], &[2, 3, 3]);
    case(ops::drop_path(0.3), &[2, 3, 3], &[2, 3, 3]);
    case(ops::identity(), &[2, 3, 3], &[2, 3, 3]);
    case(ops::squeeze_excite(4), &[8, 3, 3], &[8, 3, 3]);
    case(ops::flatten(), &[2, 3, 4], &[24]);
    case(ops::dense(7), &[12], &[7]);
    case(ops::dense(7).param("bias", false), &[12], &[7]);
}

#[test]
fn n_ary() {
    case(ops::concat(2), &[1, 5, 5], &[5, 5, 5]);
    case(ops::concat(3), &[1, 4, 4], &[9, 4, 4]);
    case(ops::add(2), &[3, 4, 4], &[3, 4, 4]);
    case(ops::add(3), &[3, 4, 4], &[3, 4, 4]);
}

#[test]
fn add_aligns_channels_like_nas_bench() {
    // Branches of 2 and 3 filters: truncate to 2 by default, pad to 3 on request.
    let two_branches = |align: &str| {
        archspace_core::Space::build(|s| {
            let stem = s.named("stem").basic(Op::new("identity"))?;
            let a = s.named("a").basic(ops::conv2d(2, 3))?;
            let b = s.named("b").basic(ops::conv2d(3, 3))?;
            let sum = s.named("sum").basic(ops::add(2).param("align", align))?;
            for (branch, port) in [(&a, "in0"), (&b, "in1")] {
                s.connect(stem.output("out")?, branch.input("in")?)?;
                s.connect(branch.output("out")?, sum.input(port)?)?;
            }
            Ok(s.border_of(&stem, &sum))
        })
        .and_then(|mut s| s.freeze())
        .expect("builds")
    };
    assert_eq!(check_forward(&two_branches("truncate"), &[1, 4, 4]).expect("runs").1, vec![2, 4, 4]);
    assert_eq!(check_forward(&two_branches("pad"), &[1, 4, 4]).expect("runs").1, vec![3, 4, 4]);
    let err = check_forward(&two_branches("strict"), &[1, 4, 4]).expect_err("strict rejects 2 vs 3 channels");
    assert!(err.to_string().contains("`sum`"), "{err}");
}

#[test]
fn flops_of_a_convolution() {
    let arch = single_op(ops::conv2d(4, 3));
    let report = archspace_candle::infer_shapes(&arch, &[2, 5, 5], &Registry::standard()).expect("infers");
    // 2 FLOPs per multiply-add: 5·5 positions · 4 filters · 2·3·3 weights.
    assert_eq!(report.total_flops(), 2 * 25 * 4 * 18);
    assert_eq!(report.total_params(), 4 * 18 + 4);
}
