import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

import pandas as pd

from pipelines.classifier import RiskClassifier, explain, threshold_for_sensitivity


def data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return X, y


def test_passes_scikit_learn_estimator_checks():
    check_estimator(RiskClassifier(estimator="logistic", cv=2))  # the boosted family is fitted in the tests below


def test_unknown_estimator_family_is_refused():
    X, y = data(30)
    with pytest.raises(ValueError, match="estimator must be one of boosting, logistic"):
        RiskClassifier(estimator="forest").fit(X, y)


@pytest.mark.parametrize("estimator", ["boosting", "logistic"])
def test_calibrated_probabilities_and_sensitivity_threshold(estimator):
    X, y = data(400)
    model = RiskClassifier(estimator=estimator, cv=2, min_sensitivity=0.95).fit(X, y)
    X_new, y_new = data(4000, seed=1)
    risk = model.predict_proba(X_new)[:, 1]
    assert ((risk >= 0) & (risk <= 1)).all()
    assert model.flag(X_new)[y_new == 1].mean() >= 0.9  # threshold chosen out-of-fold for 0.95
    assert risk[y_new == 1].mean() > risk[y_new == 0].mean() + 0.3
    assert model.validation_["out_of_fold"] == 1.0 and model.validation_["sensitivity"] >= 0.95
    assert 0.8 < model.validation_["auroc"] <= 1.0


def test_boosting_learns_on_a_small_cohort():
    # With scikit-learn's default leaf of 20 samples, 40 patients in 3 folds allow no split at all (AUROC 0.5).
    X, y = data(40, seed=3)
    model = RiskClassifier(estimator="boosting").fit(X, y)
    assert model.validation_["auroc"] > 0.8


def test_threshold_for_sensitivity_is_exact_on_known_scores():
    assert threshold_for_sensitivity([1, 1, 1, 1, 0], [0.9, 0.8, 0.7, 0.2, 0.1], 0.75) == 0.7


def test_contributions_point_at_the_informative_feature():
    X, y = data()
    model = RiskClassifier(estimator="logistic").fit(X, y)
    top = model.contributions(X[y == 1]).argmax(axis=1)
    assert np.bincount(top, minlength=4)[0] > len(top) / 2


def test_one_class_is_refused():
    X, _ = data(20)
    with pytest.raises(ValueError, match="binary"):
        RiskClassifier().fit(X, np.zeros(20, dtype=int))


def test_explain_names_only_features_that_pushed_risk_up():
    X, y = data()
    model = RiskClassifier(estimator="logistic").fit(X, y)
    features = pd.DataFrame([[3.0, 2.0, 0.0, 0.0], [-3.0, -2.0, 0.0, 0.0]], columns=list("abcd"), index=["high", "low"])
    phrases = features.map(lambda v: f"value {v:g}").set_axis(list("abcd"), axis=1)
    phrases.loc[:, "a"] = ["a is high", "a is low"]
    why = explain(model, features, phrases, top=1)
    assert why[0] == "a is high" and "a is low" not in why[1]
