//! Which artifacts pass, which criteria the others fail, and which items are golden.
//!
//! Shares are dealt from shuffled decks rather than decided by coin flips, so every seed gives
//! the same pass rate per milestone, failures spread evenly over a task's criteria, and exactly
//! one item in ten is golden; only the order is random.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Share of failing artifacts that fail a second criterion too.
const SECOND_FAILURE_RATE: f64 = 0.15;

/// `n` flags of which exactly `round(share * n)` are true, in random order.
pub fn deck(rng: &mut ChaCha8Rng, n: usize, share: f64) -> Vec<bool> {
    let trues = ((share * n as f64).round() as usize).min(n);
    let mut flags = vec![true; trues];
    flags.resize(n, false);
    flags.shuffle(rng);
    flags
}

/// The criteria each user's artifact fails, for one task.
#[derive(Debug)]
pub struct FailurePlan {
    failing: Vec<Vec<&'static str>>,
}

impl FailurePlan {
    /// Deals pass or fail to every user: users of milestone `m` (`milestone_of[user] == m`)
    /// pass at exactly `pass_rates[m]`; the first criterion each failing artifact fails cycles
    /// through the criteria in shuffled rounds.
    pub fn deal(
        rng: &mut ChaCha8Rng,
        criteria: &'static [&'static str],
        milestone_of: &[usize],
        pass_rates: &[f64],
    ) -> FailurePlan {
        let mut passes = vec![true; milestone_of.len()];
        for (milestone, rate) in pass_rates.iter().enumerate() {
            let users: Vec<usize> = (0..milestone_of.len())
                .filter(|u| milestone_of[*u] == milestone)
                .collect();
            let flags = deck(rng, users.len(), *rate);
            for (user, pass) in users.into_iter().zip(flags) {
                passes[user] = pass;
            }
        }
        let mut round: Vec<&'static str> = Vec::new();
        let failing = passes
            .into_iter()
            .map(|pass| {
                if pass {
                    return Vec::new();
                }
                if round.is_empty() {
                    round = criteria.to_vec();
                    round.shuffle(rng);
                }
                let first = round.pop().expect("refilled above");
                let mut failing = vec![first];
                if criteria.len() > 1 && rng.gen_bool(SECOND_FAILURE_RATE) {
                    let others: Vec<&'static str> =
                        criteria.iter().copied().filter(|c| *c != first).collect();
                    failing.push(*others.choose(rng).expect("more than one criterion"));
                }
                failing
            })
            .collect();
        FailurePlan { failing }
    }

    /// The criteria `user`'s artifact fails; empty when it passes them all.
    pub fn failing(&self, user: usize) -> &[&'static str] {
        &self.failing[user]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const CRITERIA: [&str; 4] = ["a", "b", "c", "d"];

    #[test]
    fn a_deck_holds_exactly_the_share_asked_for() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        assert_eq!(deck(&mut rng, 120, 0.1).iter().filter(|f| **f).count(), 12);
        assert_eq!(deck(&mut rng, 5, 1.0), vec![true; 5]);
    }

    #[test]
    fn each_milestone_passes_at_its_own_rate() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let milestone_of: Vec<usize> = (0..100).map(|u| u % 2).collect();
        let plan = FailurePlan::deal(&mut rng, &CRITERIA, &milestone_of, &[0.4, 0.8]);
        let passing = |m: usize| {
            (0..100)
                .filter(|u| u % 2 == m && plan.failing(*u).is_empty())
                .count()
        };
        assert_eq!((passing(0), passing(1)), (20, 40));
    }

    #[test]
    fn failures_spread_evenly_over_the_criteria() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let plan = FailurePlan::deal(&mut rng, &CRITERIA, &[0; 80], &[0.5]);
        for criterion in CRITERIA {
            let first = (0..80)
                .filter(|u| plan.failing(*u).first() == Some(&criterion))
                .count();
            assert_eq!(first, 10, "{criterion}");
        }
    }
}
