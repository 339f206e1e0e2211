//! Pins every statistic to its reference implementation to 1e-9.
//!
//! `reference_cases.json` is produced by `scripts/agreement-reference.py` with
//! scikit-learn, the `krippendorff` PyPI package and statsmodels (versions in
//! the file's `libraries` header). Undefined values are `null` there and must
//! be `None` here, and vice versa.

use super::*;
use serde::Deserialize;

const TOLERANCE: f64 = 1e-9;

#[derive(Deserialize)]
struct ReferenceFile {
    generated_by: String,
    libraries: serde_json::Map<String, serde_json::Value>,
    classification: Vec<ClassificationCase>,
    krippendorff: Vec<AlphaCase>,
    pairwise: PairwiseCase,
    wilson: Vec<WilsonCase>,
    weighted: Vec<WeightedCase>,
    mcnemar: Vec<McNemarCase>,
}

#[derive(Deserialize)]
struct McNemarCase {
    both_right: u64,
    only_current: u64,
    only_candidate: u64,
    both_wrong: u64,
    p_value: Option<f64>,
}

#[derive(Deserialize)]
struct ClassificationCase {
    name: String,
    classes: usize,
    positive: usize,
    human: Vec<usize>,
    judge: Vec<usize>,
    accuracy: Option<f64>,
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
    precision_zero_division_0: Option<f64>,
    recall_zero_division_0: Option<f64>,
    f1_zero_division_0: Option<f64>,
    kappa: Option<f64>,
    kappa_linear: Option<f64>,
    kappa_quadratic: Option<f64>,
}

#[derive(Deserialize)]
struct AlphaCase {
    name: String,
    classes: usize,
    ratings: Vec<Vec<Option<usize>>>,
    nominal: Option<f64>,
    ordinal: Option<f64>,
    interval: Option<f64>,
}

#[derive(Deserialize)]
struct PairwiseCase {
    classes: usize,
    min_shared: u64,
    ratings: Vec<(u64, u32, usize)>,
    pairs: Vec<PairwiseKappa>,
}

#[derive(Deserialize)]
struct WilsonCase {
    successes: u64,
    n: u64,
    lower: Option<f64>,
    upper: Option<f64>,
}

#[derive(Deserialize)]
struct WeightedCase {
    name: String,
    classes: usize,
    positive: usize,
    human: Vec<usize>,
    judge: Vec<usize>,
    weight: Vec<f64>,
    accuracy: Option<f64>,
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
    kappa: Option<f64>,
    kappa_linear: Option<f64>,
    kappa_quadratic: Option<f64>,
    effective_n: Option<f64>,
    accuracy_lower: Option<f64>,
    accuracy_upper: Option<f64>,
}

fn reference() -> ReferenceFile {
    serde_json::from_str(include_str!("reference_cases.json")).expect("valid reference JSON")
}

/// Asserts `ours` equals the reference within tolerance, and None ⇔ null.
fn assert_matches(case: &str, statistic: &str, ours: Option<f64>, reference: Option<f64>) {
    match (ours, reference) {
        (Some(ours), Some(expected)) => assert!(
            (ours - expected).abs() <= TOLERANCE,
            "{case}: {statistic} = {ours}, reference {expected}"
        ),
        (None, None) => {}
        _ => panic!("{case}: {statistic} = {ours:?}, reference {reference:?}"),
    }
}

#[test]
fn the_reference_file_names_its_generator_and_library_versions() {
    let file = reference();
    assert_eq!(file.generated_by, "scripts/agreement-reference.py");
    for library in ["scikit-learn", "krippendorff", "numpy", "statsmodels"] {
        assert!(file.libraries.contains_key(library), "missing {library}");
    }
}

#[test]
fn classification_statistics_match_scikit_learn() {
    let file = reference();
    assert!(file.classification.len() >= 15);
    for case in &file.classification {
        let pairs = case.human.iter().copied().zip(case.judge.iter().copied());
        let matrix = ConfusionMatrix::from_pairs(case.classes, pairs).unwrap();
        let (name, positive) = (case.name.as_str(), case.positive);
        assert_matches(name, "accuracy", accuracy(&matrix), case.accuracy);
        assert_matches(
            name,
            "precision",
            precision(&matrix, positive),
            case.precision,
        );
        assert_matches(name, "recall", recall(&matrix, positive), case.recall);
        assert_matches(name, "f1", f1_score(&matrix, positive), case.f1);
        for (statistic, ours, zero_division_0) in [
            (
                "precision",
                precision(&matrix, positive),
                case.precision_zero_division_0,
            ),
            (
                "recall",
                recall(&matrix, positive),
                case.recall_zero_division_0,
            ),
            ("f1", f1_score(&matrix, positive), case.f1_zero_division_0),
        ] {
            // sklearn's zero_division=0 is our None read as 0 (except on empty input,
            // where sklearn refuses to compute anything).
            let ours = if matrix.total() == 0 {
                None
            } else {
                Some(ours.unwrap_or(0.0))
            };
            assert_matches(name, statistic, ours, zero_division_0);
        }
        let kappas = [
            (KappaWeighting::Unweighted, case.kappa),
            (KappaWeighting::Linear, case.kappa_linear),
            (KappaWeighting::Quadratic, case.kappa_quadratic),
        ];
        for (weighting, expected) in kappas {
            let statistic = format!("kappa {weighting:?}");
            assert_matches(name, &statistic, cohen_kappa(&matrix, weighting), expected);
        }
    }
}

#[test]
fn krippendorff_alpha_matches_the_krippendorff_package() {
    let file = reference();
    assert!(file.krippendorff.len() >= 10);
    for case in &file.krippendorff {
        let coincidences = CoincidenceMatrix::from_ratings(case.classes, &case.ratings).unwrap();
        for (level, expected) in [
            (MeasurementLevel::Nominal, case.nominal),
            (MeasurementLevel::Ordinal, case.ordinal),
            (MeasurementLevel::Interval, case.interval),
        ] {
            let statistic = format!("alpha {level:?}");
            assert_matches(&case.name, &statistic, coincidences.alpha(level), expected);
        }
    }
}

#[test]
fn pairwise_kappa_matches_scikit_learn_per_pair() {
    let case = reference().pairwise;
    let labels: Vec<AnnotatorLabel> = case
        .ratings
        .iter()
        .map(|&(item_id, annotator, label)| AnnotatorLabel {
            item_id,
            annotator,
            label,
        })
        .collect();
    let pairs = pairwise_cohen_kappa(
        &labels,
        case.classes,
        KappaWeighting::Unweighted,
        case.min_shared,
    )
    .unwrap();
    assert_eq!(pairs.len(), case.pairs.len());
    for (ours, expected) in pairs.iter().zip(&case.pairs) {
        assert_eq!(
            (ours.annotator_a, ours.annotator_b, ours.shared_items),
            (
                expected.annotator_a,
                expected.annotator_b,
                expected.shared_items
            )
        );
        assert_matches("pairwise", "kappa", ours.kappa, expected.kappa);
    }
}

#[test]
fn wilson_interval_matches_statsmodels() {
    for case in reference().wilson {
        let name = format!("{}/{}", case.successes, case.n);
        let interval = wilson_interval(case.successes, case.n);
        assert_matches(&name, "lower", interval.map(|i| i.lower), case.lower);
        assert_matches(&name, "upper", interval.map(|i| i.upper), case.upper);
    }
}

/// The stream-wide figures: every statistic of the weighted table equals scikit-learn's with
/// `sample_weight`, and the accuracy's interval statsmodels' Wilson at Kish's effective size.
#[test]
fn weighted_statistics_match_scikit_learn_with_sample_weights() {
    let cases = reference().weighted;
    assert!(cases.len() >= 3);
    for case in &cases {
        // Items grouped into strata by weight, as the counters hold them.
        let mut strata: Vec<Stratum> = Vec::new();
        for ((&human, &judge), &weight) in case.human.iter().zip(&case.judge).zip(&case.weight) {
            let index = match strata.iter().position(|s| s.weight == weight) {
                Some(index) => index,
                None => {
                    strata.push(Stratum {
                        weight,
                        matrix: ConfusionMatrix::new(case.classes),
                    });
                    strata.len() - 1
                }
            };
            strata[index].matrix.add(human, judge, 1).unwrap();
        }
        let table = WeightedConfusion::of(case.classes, &strata);
        let (name, positive) = (case.name.as_str(), case.positive);
        assert_matches(name, "accuracy", accuracy(&table), case.accuracy);
        assert_matches(
            name,
            "precision",
            precision(&table, positive),
            case.precision,
        );
        assert_matches(name, "recall", recall(&table, positive), case.recall);
        assert_matches(name, "f1", f1_score(&table, positive), case.f1);
        for (weighting, expected) in [
            (KappaWeighting::Unweighted, case.kappa),
            (KappaWeighting::Linear, case.kappa_linear),
            (KappaWeighting::Quadratic, case.kappa_quadratic),
        ] {
            let statistic = format!("kappa {weighting:?}");
            assert_matches(name, &statistic, cohen_kappa(&table, weighting), expected);
        }
        let weighted = weighted_proportion(&strata, |_, _| true, |h, j| h == j).unwrap();
        assert_matches(
            name,
            "accuracy (proportion)",
            Some(weighted.value),
            case.accuracy,
        );
        assert_matches(
            name,
            "effective n",
            Some(weighted.effective_sample_size),
            case.effective_n,
        );
        let interval = weighted.interval;
        assert_matches(
            name,
            "lower",
            interval.map(|i| i.lower),
            case.accuracy_lower,
        );
        assert_matches(
            name,
            "upper",
            interval.map(|i| i.upper),
            case.accuracy_upper,
        );
    }
}

#[test]
fn the_exact_mcnemar_test_matches_statsmodels() {
    let cases = reference().mcnemar;
    assert!(cases.len() >= 5);
    for case in cases {
        let outcomes = PairedOutcomes {
            both_right: case.both_right,
            only_current: case.only_current,
            only_candidate: case.only_candidate,
            both_wrong: case.both_wrong,
        };
        let name = format!("{outcomes:?}");
        let ours = compare_paired(outcomes).map(|comparison| comparison.p_value);
        assert_matches(&name, "p", ours, case.p_value);
    }
}
