//! Loader, prediction and rejection tests on a small hand-written model in XGBoost 3.2's JSON
//! layout. The comparison with XGBoost's own predictions is in atlas-core/tests/xgboost.rs.

use std::collections::BTreeMap;

use ndarray::{array, Array2};
use serde_json::{json, Value};

use super::*;
use crate::error::CoreError;
use crate::model::ResponseModel;
use crate::scenario::ScenarioFile;
use crate::solve::{choose, LinearScalarization, Method};

/// Two trees over `search_spend` and `price`, base score 10.
///
/// Tree 0 sends `search_spend < 50` (and a missing value) to a leaf of 1.5; otherwise
/// `price < 10` gives -1 and the rest (and a missing price) 2. Tree 1 is one leaf of 0.25.
fn model() -> Value {
    json!({
        "version": [3, 2, 0],
        "learner": {
            "attributes": {},
            "feature_names": ["search_spend", "price"],
            "feature_types": [],
            "gradient_booster": {
                "name": "gbtree",
                "model": {
                    "gbtree_model_param": {"num_parallel_tree": "1", "num_trees": "2"},
                    "iteration_indptr": [0, 1, 2],
                    "tree_info": [0, 0],
                    "trees": [split_tree(), leaf_tree()]
                }
            },
            "learner_model_param": {
                "base_score": "[1E1]",
                "boost_from_average": "1",
                "num_class": "0",
                "num_feature": "2",
                "num_target": "1"
            },
            "objective": {"name": "reg:squarederror", "reg_loss_param": {"scale_pos_weight": "1"}}
        }
    })
}

fn split_tree() -> Value {
    json!({
        "base_weights": [0.0, 1.5, 0.0, -1.0, 2.0],
        "categories": [],
        "categories_nodes": [],
        "categories_segments": [],
        "categories_sizes": [],
        "default_left": [1, 0, 0, 0, 0],
        "id": 0,
        "left_children": [1, -1, 3, -1, -1],
        "loss_changes": [1.0, 0.0, 1.0, 0.0, 0.0],
        "parents": [2147483647, 0, 0, 2, 2],
        "right_children": [2, -1, 4, -1, -1],
        "split_conditions": [50.0, 1.5, 10.0, -1.0, 2.0],
        "split_indices": [0, 0, 1, 0, 0],
        "split_type": [0, 0, 0, 0, 0],
        "sum_hessian": [4.0, 2.0, 2.0, 1.0, 1.0],
        "tree_param": {"num_deleted": "0", "num_feature": "2", "num_nodes": "5", "size_leaf_vector": "1"}
    })
}

fn leaf_tree() -> Value {
    json!({
        "base_weights": [0.25],
        "categories": [],
        "categories_nodes": [],
        "categories_segments": [],
        "categories_sizes": [],
        "default_left": [0],
        "id": 1,
        "left_children": [-1],
        "loss_changes": [0.0],
        "parents": [2147483647],
        "right_children": [-1],
        "split_conditions": [0.25],
        "split_indices": [0],
        "split_type": [0],
        "sum_hessian": [4.0],
        "tree_param": {"num_deleted": "0", "num_feature": "2", "num_nodes": "1", "size_leaf_vector": "1"}
    })
}

fn booster(value: &Value) -> Booster {
    Booster::from_value(value).unwrap()
}

/// Applies `edit` to the model and returns the loader's error message.
fn rejection(edit: impl FnOnce(&mut Value)) -> String {
    let mut value = model();
    edit(&mut value);
    Booster::from_value(&value).unwrap_err().to_string()
}

fn first_tree(value: &mut Value) -> &mut Value {
    &mut value["learner"]["gradient_booster"]["model"]["trees"][0]
}

fn predict(booster: &Booster, row: [f64; 2]) -> f64 {
    booster.predict(array![[row[0], row[1]]].view()).unwrap()[0]
}

#[test]
fn model_predicts_leaf_sums() {
    let booster = booster(&model());
    assert_eq!(predict(&booster, [10.0, 5.0]), 11.75);
    assert_eq!(predict(&booster, [60.0, 5.0]), 9.25);
    assert_eq!(predict(&booster, [60.0, 20.0]), 12.25);
    assert_eq!(booster.tree_count(), 2);
    assert_eq!(booster.objective().name(), "reg:squarederror");
}

#[test]
fn missing_values_take_default_direction() {
    let booster = booster(&model());
    // The root's default is left and the price split's default is right.
    assert_eq!(predict(&booster, [f64::NAN, 20.0]), 11.75);
    assert_eq!(predict(&booster, [60.0, f64::NAN]), 12.25);
}

#[test]
fn threshold_compares_float32_values() {
    let booster = booster(&model());
    // A value equal to the threshold goes right.
    assert_eq!(predict(&booster, [50.0, 5.0]), 9.25);
    // This float64 is below 50 but rounds to 50 in float32, so XGBoost sends it right too.
    let below = 50.0 - 1e-7;
    assert!(below < 50.0);
    assert_eq!(below as f32, 50.0);
    assert_eq!(predict(&booster, [below, 5.0]), 9.25);
    // The float32 just below 50 goes left.
    let below32 = f64::from(f32::from_bits(50.0f32.to_bits() - 1));
    assert_eq!(predict(&booster, [below32, 5.0]), 11.75);
}

#[test]
fn predict_rejects_wrong_column_count() {
    let booster = booster(&model());
    let error = booster.predict(Array2::zeros((1, 3)).view()).unwrap_err();
    assert!(error.to_string().contains("2 features"), "{error}");
    let error = booster.predict_row(&[1.0]).unwrap_err();
    assert!(error.to_string().contains("1 values"), "{error}");
}

#[test]
fn unnamed_features_are_numbered() {
    let mut value = model();
    value["learner"]["feature_names"] = json!([]);
    assert_eq!(booster(&value).feature_names(), ["f0", "f1"]);
    value["learner"]
        .as_object_mut()
        .unwrap()
        .remove("feature_names");
    assert_eq!(booster(&value).feature_names(), ["f0", "f1"]);
}

#[test]
fn version_two_layout_loads() {
    // XGBoost 2.x writes a scalar base score, no num_target and no split types.
    let mut value = model();
    value["version"] = json!([2, 1, 4]);
    let param = &mut value["learner"]["learner_model_param"];
    param["base_score"] = json!("1E1");
    param.as_object_mut().unwrap().remove("num_target");
    for tree in value["learner"]["gradient_booster"]["model"]["trees"]
        .as_array_mut()
        .unwrap()
    {
        tree.as_object_mut().unwrap().remove("split_type");
    }
    assert_eq!(predict(&booster(&value), [10.0, 5.0]), 11.75);
}

#[test]
fn dart_weights_scale_each_tree() {
    let mut value = model();
    let gbtree = value["learner"]["gradient_booster"].clone();
    value["learner"]["gradient_booster"] = json!({
        "name": "dart",
        "gbtree": gbtree,
        "weight_drop": [0.5, 2.0]
    });
    // 10 + 0.5 * 1.5 + 2 * 0.25
    assert_eq!(predict(&booster(&value), [10.0, 5.0]), 11.25);
}

#[test]
fn logistic_objective_applies_sigmoid() {
    let mut value = model();
    value["learner"]["objective"]["name"] = json!("reg:logistic");
    value["learner"]["learner_model_param"]["base_score"] = json!("[2.5E-1]");
    let expected = 1.0 / (1.0 + (-((1.0f64 / 3.0).ln() + 1.75)).exp());
    let found = predict(&booster(&value), [10.0, 5.0]);
    assert!((found - expected).abs() < 1e-6, "{found} vs {expected}");
}

#[test]
fn poisson_objective_applies_exp() {
    let mut value = model();
    value["learner"]["objective"]["name"] = json!("count:poisson");
    let expected = (10.0f64.ln() + 1.75).exp();
    let found = predict(&booster(&value), [10.0, 5.0]);
    assert!(
        (found - expected).abs() < 1e-5 * expected,
        "{found} vs {expected}"
    );
}

#[test]
fn invalid_json_is_rejected() {
    let message = Booster::from_json("{\"version\": [3,")
        .unwrap_err()
        .to_string();
    assert!(message.contains("not valid JSON"), "{message}");
    assert!(message.contains(".json"), "{message}");
}

#[test]
fn missing_array_is_rejected() {
    let message = rejection(|v| {
        first_tree(v)
            .as_object_mut()
            .unwrap()
            .remove("left_children");
    });
    assert!(message.contains("trees[0].left_children"), "{message}");
    assert!(message.contains("missing"), "{message}");
}

#[test]
fn gblinear_is_rejected() {
    let message = rejection(|v| {
        v["learner"]["gradient_booster"] = json!({"name": "gblinear", "model": {"weights": [1.0]}});
    });
    assert!(message.contains("gradient_booster.name"), "{message}");
    assert!(message.contains("`gblinear`"), "{message}");
    assert!(message.contains("booster=\"gbtree\""), "{message}");
}

#[test]
fn unknown_booster_is_rejected() {
    let message = rejection(|v| v["learner"]["gradient_booster"]["name"] = json!("forest"));
    assert!(message.contains("`forest`"), "{message}");
}

#[test]
fn multiclass_model_is_rejected() {
    let message = rejection(|v| v["learner"]["learner_model_param"]["num_class"] = json!("3"));
    assert!(
        message.contains("learner_model_param.num_class"),
        "{message}"
    );
    assert!(message.contains("3 classes"), "{message}");
    assert!(message.contains("one regressor per KPI"), "{message}");
}

#[test]
fn multiclass_objective_is_rejected() {
    let message = rejection(|v| v["learner"]["objective"]["name"] = json!("multi:softprob"));
    assert!(message.contains("learner.objective.name"), "{message}");
    assert!(message.contains("`multi:softprob`"), "{message}");
}

#[test]
fn multitarget_model_is_rejected() {
    let message = rejection(|v| v["learner"]["learner_model_param"]["num_target"] = json!("2"));
    assert!(message.contains("num_target"), "{message}");
    assert!(message.contains("2 targets"), "{message}");
}

#[test]
fn second_output_group_is_rejected() {
    let message =
        rejection(|v| v["learner"]["gradient_booster"]["model"]["tree_info"] = json!([0, 1]));
    assert!(message.contains("tree_info"), "{message}");
    assert!(message.contains("tree 1 belongs to output 1"), "{message}");
}

#[test]
fn vector_base_score_is_rejected() {
    let message =
        rejection(|v| v["learner"]["learner_model_param"]["base_score"] = json!("[1E1,2E1]"));
    assert!(message.contains("base_score"), "{message}");
    assert!(message.contains("2 values"), "{message}");
}

#[test]
fn vector_leaf_is_rejected() {
    let message = rejection(|v| first_tree(v)["tree_param"]["size_leaf_vector"] = json!("2"));
    assert!(
        message.contains("trees[0].tree_param.size_leaf_vector"),
        "{message}"
    );
    assert!(message.contains("`2` values per leaf"), "{message}");
}

#[test]
fn categorical_split_type_is_rejected() {
    let message = rejection(|v| first_tree(v)["split_type"] = json!([0, 0, 1, 0, 0]));
    assert!(message.contains("trees[0].split_type[2]"), "{message}");
    assert!(message.contains("categorical split"), "{message}");
}

#[test]
fn categorical_nodes_are_rejected() {
    let message = rejection(|v| first_tree(v)["categories_nodes"] = json!([2]));
    assert!(message.contains("trees[0].categories_nodes"), "{message}");
    assert!(
        message.contains("node 2 is a categorical split"),
        "{message}"
    );
}

#[test]
fn unknown_objective_is_rejected() {
    let message = rejection(|v| v["learner"]["objective"]["name"] = json!("reg:unknown"));
    assert!(message.contains("learner.objective.name"), "{message}");
    assert!(message.contains("`reg:unknown`"), "{message}");
    assert!(message.contains("reg:squarederror"), "{message}");
}

#[test]
fn ranking_objective_is_rejected() {
    let message = rejection(|v| v["learner"]["objective"]["name"] = json!("rank:pairwise"));
    assert!(message.contains("`rank:pairwise`"), "{message}");
    assert!(message.contains("regressor"), "{message}");
}

#[test]
fn array_length_mismatch_is_rejected() {
    let message = rejection(|v| first_tree(v)["right_children"] = json!([2, -1, 4, -1]));
    assert!(message.contains("trees[0].right_children"), "{message}");
    assert!(message.contains("4 entries"), "{message}");
    assert!(message.contains("num_nodes is 5"), "{message}");
}

#[test]
fn child_out_of_range_is_rejected() {
    let message = rejection(|v| first_tree(v)["right_children"][2] = json!(9));
    assert!(message.contains("trees[0].right_children[2]"), "{message}");
    assert!(
        message.contains("child 9 of node 2 is out of range"),
        "{message}"
    );
}

#[test]
fn negative_child_is_rejected() {
    let message = rejection(|v| first_tree(v)["left_children"][2] = json!(-5));
    assert!(message.contains("trees[0].left_children[2]"), "{message}");
    assert!(message.contains("child -5"), "{message}");
}

#[test]
fn one_sided_leaf_is_rejected() {
    let message = rejection(|v| first_tree(v)["right_children"][1] = json!(3));
    assert!(message.contains("trees[0].right_children[1]"), "{message}");
    assert!(message.contains("two children or none"), "{message}");
}

#[test]
fn cycle_is_rejected() {
    let message = rejection(|v| first_tree(v)["right_children"][2] = json!(0));
    assert!(message.contains("trees[0].right_children[2]"), "{message}");
    assert!(message.contains("node 0 is reached twice"), "{message}");
}

#[test]
fn shared_child_is_rejected() {
    let message = rejection(|v| first_tree(v)["left_children"][2] = json!(1));
    assert!(message.contains("node 1 is reached twice"), "{message}");
}

#[test]
fn split_feature_beyond_count_rejected() {
    let message = rejection(|v| first_tree(v)["split_indices"][2] = json!(2));
    assert!(message.contains("trees[0].split_indices[2]"), "{message}");
    assert!(message.contains("feature index 2"), "{message}");
    assert!(message.contains("2 features"), "{message}");
}

#[test]
fn infinite_leaf_is_rejected() {
    // 1e39 is beyond the float32 range, so it becomes infinite as XGBoost stores it.
    let message = rejection(|v| first_tree(v)["split_conditions"][3] = json!(1e39));
    assert!(
        message.contains("trees[0].split_conditions[3]"),
        "{message}"
    );
    assert!(message.contains("leaf value inf"), "{message}");
}

#[test]
fn tree_count_mismatch_is_rejected() {
    let message = rejection(|v| {
        v["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = json!("3");
    });
    assert!(message.contains("num_trees"), "{message}");
    assert!(message.contains("says 3 trees"), "{message}");
}

#[test]
fn feature_name_count_mismatch_is_rejected() {
    let message = rejection(|v| v["learner"]["feature_names"] = json!(["search_spend"]));
    assert!(message.contains("learner.feature_names"), "{message}");
    assert!(message.contains("1 names"), "{message}");
}

#[test]
fn duplicate_feature_name_is_rejected() {
    let message = rejection(|v| v["learner"]["feature_names"] = json!(["price", "price"]));
    assert!(message.contains("`price` is named twice"), "{message}");
}

#[test]
fn dart_weight_count_mismatch_is_rejected() {
    let message = rejection(|v| {
        let gbtree = v["learner"]["gradient_booster"].clone();
        v["learner"]["gradient_booster"] =
            json!({"name": "dart", "gbtree": gbtree, "weight_drop": [1.0]});
    });
    assert!(message.contains("weight_drop"), "{message}");
    assert!(message.contains("1 weights for 2 trees"), "{message}");
}

#[test]
fn logistic_base_score_range_rejected() {
    let message = rejection(|v| {
        v["learner"]["objective"]["name"] = json!("reg:logistic");
        v["learner"]["learner_model_param"]["base_score"] = json!("[1.5E0]");
    });
    assert!(message.contains("base_score"), "{message}");
    assert!(message.contains("outside [0, 1]"), "{message}");
}

#[test]
fn early_best_iteration_is_rejected() {
    let message = rejection(|v| {
        v["learner"]["attributes"] = json!({"best_iteration": "0", "best_score": "1.0"});
    });
    assert!(message.contains("attributes.best_iteration"), "{message}");
    assert!(
        message.contains("best iteration is 0 of 2 rounds"),
        "{message}"
    );
    assert!(message.contains("booster[: 1]"), "{message}");
}

#[test]
fn last_best_iteration_is_accepted() {
    let mut value = model();
    value["learner"]["attributes"] = json!({"best_iteration": "1"});
    assert_eq!(predict(&booster(&value), [10.0, 5.0]), 11.75);
}

#[test]
fn old_version_is_rejected() {
    let message = rejection(|v| v["version"] = json!([0, 90, 0]));
    assert!(message.contains("`version`"), "{message}");
}

fn spec(features: &[(&str, &str)], context: &[(&str, f64)], missing: &[&str]) -> XgboostOutputSpec {
    XgboostOutputSpec {
        kpi: "revenue".into(),
        file: "revenue.json".into(),
        features: features
            .iter()
            .map(|(c, f)| (c.to_string(), f.to_string()))
            .collect(),
        context: context.iter().map(|(f, v)| (f.to_string(), *v)).collect(),
        missing: missing.iter().map(|f| f.to_string()).collect(),
    }
}

fn response(spec: XgboostOutputSpec) -> Result<XgboostModel, CoreError> {
    XgboostModel::new(
        vec!["search".into(), "tv".into()],
        vec!["revenue".into()],
        &[spec],
        vec![booster(&model())],
    )
}

fn response_error(spec: XgboostOutputSpec) -> String {
    response(spec).unwrap_err().to_string()
}

#[test]
fn response_model_maps_channels_and_context() {
    let model = response(spec(&[("search", "search_spend")], &[("price", 5.0)], &[])).unwrap();
    let values = model
        .evaluate(array![[10.0, 99.0], [60.0, 0.0]].view())
        .unwrap();
    assert_eq!(values, array![[11.75], [9.25]]);
    assert!(!model.is_separable());
    assert!(model.gradient(array![10.0, 0.0].view()).is_none());
}

#[test]
fn response_model_passes_missing_features() {
    let model = response(spec(&[("search", "search_spend")], &[], &["price"])).unwrap();
    let values = model.evaluate(array![[60.0, 0.0]].view()).unwrap();
    // A missing price takes the right branch, to the leaf of 2.
    assert_eq!(values, array![[12.25]]);
}

#[test]
fn contributions_remove_one_channel() {
    let model = response(spec(&[("search", "search_spend")], &[("price", 5.0)], &[])).unwrap();
    let contributions = model.contributions(array![60.0, 30.0].view()).unwrap();
    // At search 60 the KPI is 9.25; at search 0 it is 11.75. TV feeds no feature.
    assert_eq!(contributions, array![[-2.5], [0.0]]);
}

#[test]
fn unmapped_features_are_listed() {
    let message = response_error(spec(&[], &[], &[]));
    assert!(message.contains("model.outputs[0]"), "{message}");
    assert!(
        message.contains("no source: `search_spend`, `price`"),
        "{message}"
    );
    assert!(message.contains("`missing`"), "{message}");
}

#[test]
fn unknown_model_feature_is_rejected() {
    let message = response_error(spec(&[("search", "serch_spend")], &[("price", 5.0)], &[]));
    assert!(
        message.contains("model.outputs[0].features.search"),
        "{message}"
    );
    assert!(
        message.contains("`serch_spend` is not a feature"),
        "{message}"
    );
    assert!(message.contains("search_spend, price"), "{message}");
}

#[test]
fn unknown_context_feature_is_rejected() {
    let message = response_error(spec(
        &[("search", "search_spend")],
        &[("price", 5.0), ("week", 3.0)],
        &[],
    ));
    assert!(
        message.contains("model.outputs[0].context.week"),
        "{message}"
    );
}

#[test]
fn unknown_missing_feature_is_rejected() {
    let message = response_error(spec(&[("search", "search_spend")], &[], &["promo"]));
    assert!(message.contains("model.outputs[0].missing[0]"), "{message}");
    assert!(message.contains("`promo`"), "{message}");
}

#[test]
fn unknown_channel_is_rejected() {
    let message = response_error(spec(&[("radio", "search_spend")], &[("price", 5.0)], &[]));
    assert!(
        message.contains("model.outputs[0].features.radio"),
        "{message}"
    );
    assert!(
        message.contains("`radio` is not a scenario channel"),
        "{message}"
    );
    assert!(message.contains("search, tv"), "{message}");
}

#[test]
fn feature_with_two_sources_is_rejected() {
    let message = response_error(spec(
        &[("search", "search_spend"), ("tv", "price")],
        &[("price", 5.0)],
        &[],
    ));
    assert!(
        message.contains("model.outputs[0].context.price"),
        "{message}"
    );
    assert!(
        message.contains("model.outputs[0].features.tv"),
        "{message}"
    );
}

#[test]
fn infinite_context_value_is_rejected() {
    let message = response_error(spec(
        &[("search", "search_spend")],
        &[("price", f64::INFINITY)],
        &[],
    ));
    assert!(
        message.contains("model.outputs[0].context.price"),
        "{message}"
    );
    assert!(message.contains("inf is not a finite number"), "{message}");
}

#[test]
fn kpi_without_output_is_rejected() {
    let message = XgboostModel::new(
        vec!["search".into()],
        vec!["revenue".into(), "profit".into()],
        &[spec(&[("search", "search_spend")], &[("price", 5.0)], &[])],
        vec![booster(&model())],
    )
    .unwrap_err()
    .to_string();
    assert!(message.contains("model.outputs"), "{message}");
    assert!(message.contains("KPI `profit` has no output"), "{message}");
}

#[test]
fn output_of_unknown_kpi_is_rejected() {
    let mut output = spec(&[("search", "search_spend")], &[("price", 5.0)], &[]);
    output.kpi = "profit".into();
    let message = response_error(output);
    assert!(message.contains("model.outputs[0].kpi"), "{message}");
    assert!(message.contains("`profit`"), "{message}");
}

#[test]
fn second_output_of_kpi_is_rejected() {
    let output = spec(&[("search", "search_spend")], &[("price", 5.0)], &[]);
    let message = XgboostModel::new(
        vec!["search".into()],
        vec!["revenue".into()],
        &[output.clone(), output],
        vec![booster(&model()), booster(&model())],
    )
    .unwrap_err()
    .to_string();
    assert!(message.contains("model.outputs[1].kpi"), "{message}");
    assert!(message.contains("already has an output"), "{message}");
}

const SCENARIO: &str = r#"
name = "trees"
[model]
type = "xgboost"
kpis = ["revenue"]
[[model.outputs]]
kpi = "revenue"
file = "models/revenue.json"
features = { search = "search_spend" }
context = { price = 5.0 }
[[channels]]
name = "search"
current = 60.0
[[channels]]
name = "tv"
current = 40.0
[[constraints]]
type = "total_budget"
equals = 100.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
"#;

/// Writes the scenario and its model in a temporary folder and returns the folder.
fn scenario_folder(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("models")).unwrap();
    std::fs::write(
        dir.path().join("models/revenue.json"),
        serde_json::to_string(&model()).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.path().join("scenario.toml"), text).unwrap();
    dir
}

#[test]
fn scenario_resolves_model_beside_file() {
    let dir = scenario_folder(SCENARIO);
    let problem = ScenarioFile::read(&dir.path().join("scenario.toml"))
        .unwrap()
        .build()
        .unwrap();
    let plan = problem.evaluate_plan(&problem.current).unwrap();
    assert_eq!(plan.kpis, vec![9.25]);
}

#[test]
fn auto_method_picks_cmaes_for_trees() {
    let dir = scenario_folder(SCENARIO);
    let problem = ScenarioFile::read(&dir.path().join("scenario.toml"))
        .unwrap()
        .build()
        .unwrap();
    let scalarization = LinearScalarization {
        coefficients: vec![1.0],
    };
    let (method, reason) = choose(&problem, &scalarization, Method::Auto).unwrap();
    assert_eq!(method, Method::Cmaes, "{reason}");
    assert!(reason.contains("no gradients"), "{reason}");
}

#[test]
fn scenario_names_missing_model_file() {
    let dir = scenario_folder(&SCENARIO.replace("models/revenue.json", "models/profit.json"));
    let message = ScenarioFile::read(&dir.path().join("scenario.toml"))
        .unwrap()
        .build()
        .unwrap_err()
        .to_string();
    assert!(message.contains("model.outputs[0].file"), "{message}");
    assert!(message.contains("profit.json"), "{message}");
    assert!(message.contains("relative to the scenario"), "{message}");
}

#[test]
fn scenario_names_invalid_model_file() {
    let dir = scenario_folder(SCENARIO);
    std::fs::write(dir.path().join("models/revenue.json"), "not json").unwrap();
    let message = ScenarioFile::read(&dir.path().join("scenario.toml"))
        .unwrap()
        .build()
        .unwrap_err()
        .to_string();
    assert!(message.contains("model.outputs[0].file"), "{message}");
    assert!(message.contains("revenue.json"), "{message}");
    assert!(message.contains("not valid JSON"), "{message}");
}

#[test]
fn scenario_with_plan_is_rejected() {
    let text = SCENARIO
        .replace("[model]", "[plan]\nperiods = 4\n\n[model]")
        .replace("current = 60.0", "current = [15.0, 15.0, 15.0, 15.0]")
        .replace("current = 40.0", "current = [10.0, 10.0, 10.0, 10.0]");
    let dir = scenario_folder(&text);
    let message = ScenarioFile::read(&dir.path().join("scenario.toml"))
        .unwrap()
        .build()
        .unwrap_err()
        .to_string();
    assert!(message.contains("invalid `plan`"), "{message}");
    assert!(message.contains("remove the [plan] table"), "{message}");
}

#[test]
fn scenario_spec_round_trips_toml() {
    let file = ScenarioFile::parse(SCENARIO, "trees.toml").unwrap();
    let again = ScenarioFile::parse(&file.to_toml().unwrap(), "again").unwrap();
    assert_eq!(file, again);
    let crate::scenario::ModelSpec::Xgboost { outputs, .. } = &file.model else {
        panic!("the model is not an xgboost model");
    };
    assert_eq!(
        outputs[0].features,
        BTreeMap::from([("search".to_string(), "search_spend".to_string())])
    );
}
