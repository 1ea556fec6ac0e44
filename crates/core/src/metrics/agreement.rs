//! How far two reviewers who labelled the same tracks independently agree: Cohen's kappa
//! (Cohen 1960), the share of agreement beyond what chance alone would give.
//!
//! For `n` items each put in one category by both raters, with `p_o` the share they agree on
//! and `p_e` the share two raters would agree on by chance if each kept their own category
//! proportions (the sum over categories of the product of the two raters' shares),
//! `κ = (p_o − p_e) / (1 − p_e)`. κ is 1 for perfect agreement, 0 for what chance gives, below
//! 0 for worse than chance. It is undefined with no items, and when both raters put every item
//! in the one same category (`p_e = 1`): then nothing tells agreement from chance, and saying
//! so is better than a number.

use serde::{Deserialize, Serialize};

/// The agreement of two raters over the items both rated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Items rated by both.
    pub n: usize,
    /// Items both put in the same category.
    pub agreed: usize,
    /// `p_e`: the share of items chance alone would have them agree on; 0 without items.
    pub chance: f64,
    pub kappa: Kappa,
}

/// Cohen's kappa, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Kappa {
    Value(f64),
    /// No item was rated by both.
    NoItems,
    /// Both raters put every item in the same one category: chance agreement is total, so
    /// agreement beyond it cannot be measured.
    OneCategory,
}

impl Agreement {
    /// `p_o`, the share of items both put in the same category; None without items.
    pub fn observed(&self) -> Option<f64> {
        (self.n > 0).then(|| self.agreed as f64 / self.n as f64)
    }
}

/// Cohen's kappa of the two raters' categories for each item, `(first, second)`.
pub fn cohens_kappa<T: PartialEq>(pairs: impl IntoIterator<Item = (T, T)>) -> Agreement {
    // Categories are compared, not ordered or hashed: a review has a handful of them.
    let mut categories: Vec<T> = Vec::new();
    let mut counts: Vec<(usize, usize)> = Vec::new();
    let (mut n, mut agreed) = (0, 0);
    let mut count = |category: T, first: bool| {
        let at = match categories.iter().position(|c| *c == category) {
            Some(at) => at,
            None => {
                categories.push(category);
                counts.push((0, 0));
                categories.len() - 1
            }
        };
        if first {
            counts[at].0 += 1;
        } else {
            counts[at].1 += 1;
        }
    };
    for (first, second) in pairs {
        n += 1;
        if first == second {
            agreed += 1;
        }
        count(first, true);
        count(second, false);
    }
    if n == 0 {
        return Agreement {
            n,
            agreed,
            chance: 0.0,
            kappa: Kappa::NoItems,
        };
    }
    let total = n as f64;
    let chance: f64 = counts
        .iter()
        .map(|&(a, b)| (a as f64 / total) * (b as f64 / total))
        .sum();
    let observed = agreed as f64 / total;
    // p_e is 1 exactly when both raters used one and the same category for every item.
    let kappa = if counts.len() == 1 {
        Kappa::OneCategory
    } else {
        Kappa::Value((observed - chance) / (1.0 - chance))
    };
    Agreement {
        n,
        agreed,
        chance,
        kappa,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `yes_yes` items both said yes to, and so on, as the 2×2 tables of textbooks give them.
    fn table(yes_yes: usize, yes_no: usize, no_yes: usize, no_no: usize) -> Vec<(bool, bool)> {
        let mut pairs = Vec::new();
        for (count, pair) in [
            (yes_yes, (true, true)),
            (yes_no, (true, false)),
            (no_yes, (false, true)),
            (no_no, (false, false)),
        ] {
            pairs.extend(std::iter::repeat_n(pair, count));
        }
        pairs
    }

    fn kappa(agreement: &Agreement) -> f64 {
        match agreement.kappa {
            Kappa::Value(kappa) => kappa,
            other => panic!("no kappa: {other:?}"),
        }
    }

    /// The worked example of Wikipedia's "Cohen's kappa": 50 grant proposals, A and B both say
    /// yes to 20, both no to 15, A yes and B no to 5, A no and B yes to 10. p_o = 0.7,
    /// p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    #[test]
    fn the_textbook_example() {
        let agreement = cohens_kappa(table(20, 5, 10, 15));
        assert_eq!((agreement.n, agreement.agreed), (50, 35));
        assert!((agreement.observed().unwrap() - 0.7).abs() < 1e-12);
        assert!((agreement.chance - 0.5).abs() < 1e-12);
        assert!((kappa(&agreement) - 0.4).abs() < 1e-12);
    }

    /// The same page's pair with equal agreement (60 of 100) and different kappas: 45/15/25/15
    /// gives 0.1304, 25/35/5/35 gives 0.2593 (to 4 places): kappa reads the margins too.
    #[test]
    fn equal_agreement_different_kappa() {
        assert!((kappa(&cohens_kappa(table(45, 15, 25, 15))) - 0.1304).abs() < 5e-5);
        assert!((kappa(&cohens_kappa(table(25, 35, 5, 35))) - 0.2593).abs() < 5e-5);
    }

    #[test]
    fn perfect_agreement_is_one_and_chance_is_zero() {
        let perfect = cohens_kappa([("a", "a"), ("b", "b"), ("c", "c"), ("a", "a")]);
        assert!((kappa(&perfect) - 1.0).abs() < 1e-12);
        // Two raters who always disagree, each using both categories half the time: κ = −1.
        let opposite = cohens_kappa(table(0, 5, 5, 0));
        assert!((kappa(&opposite) + 1.0).abs() < 1e-12);
    }

    #[test]
    fn kappa_is_undefined_rather_than_nan() {
        let one = cohens_kappa(table(12, 0, 0, 0));
        assert_eq!(one.kappa, Kappa::OneCategory);
        assert_eq!(one.observed(), Some(1.0));
        let none = cohens_kappa(Vec::<(bool, bool)>::new());
        assert_eq!(none.kappa, Kappa::NoItems);
        assert_eq!(none.observed(), None);
        // One category each, but different ones: p_e = 0, κ = 0 (no better than chance).
        assert_eq!(cohens_kappa(table(0, 4, 0, 0)).kappa, Kappa::Value(0.0));
    }
}
