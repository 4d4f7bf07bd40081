//! How long a sign-in attempt must wait, from the attempts before it.
//!
//! Every attempt is recorded before its password is checked (so attempts sent at once all see
//! each other); a failed one stays recorded, one the throttle refused is removed again (so
//! knocking on the door does not keep it shut). Three scopes are counted over the last
//! [`WINDOW_SECS`]: one account from one client address, one address across accounts (password
//! spraying), one account across addresses (guessing spread over many addresses). Past a scope's
//! free attempts, each further attempt waits [`FIRST_DELAY_SECS`] after the previous one, doubling
//! with each attempt up to [`MAX_DELAY_SECS`]. The account-wide scope applies only to an address
//! that has itself failed at this account in the window: a guesser slows itself, and the owner
//! signing in from their own address is never held up by someone else's guesses. Addresses are
//! compared as IPv4 addresses or IPv6 /64 networks (one subscriber's range).
//! Source: OWASP Authentication Cheat Sheet, "Account lockout" (throttling rather than lockout;
//! counting per account and per source).

/// The span over which attempts are counted (seconds).
pub const WINDOW_SECS: i64 = 15 * 60;
/// Free attempts for one account from one address.
pub const FREE_PER_ACCOUNT_AND_CLIENT: i64 = 5;
/// Free attempts from one address across all accounts.
pub const FREE_PER_CLIENT: i64 = 30;
/// Free attempts at one account across all addresses.
pub const FREE_PER_ACCOUNT: i64 = 100;
/// The first wait past the free attempts (seconds); each further attempt doubles it.
pub const FIRST_DELAY_SECS: i64 = 30;
/// The longest wait (seconds).
pub const MAX_DELAY_SECS: i64 = 15 * 60;

/// One scope's attempts in the window, this one included, and when the one before it was made
/// (unix seconds; `None` if this is the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scope {
    pub count: i64,
    pub previous_at: Option<i64>,
}

/// The three scopes of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attempts {
    pub account_and_client: Scope,
    pub client: Scope,
    pub account: Scope,
}

fn delay(count: i64, free: i64) -> Option<i64> {
    let over = count - free;
    (over > 0).then(|| FIRST_DELAY_SECS.saturating_mul(1i64 << (over - 1).min(20)).min(MAX_DELAY_SECS))
}

/// Seconds this attempt must still wait at `now`, if any: the longest wait of the three scopes.
pub fn wait(a: &Attempts, now: i64) -> Option<i64> {
    let failed_here_before = a.account_and_client.count > 1;
    let mut scopes = vec![(a.account_and_client, FREE_PER_ACCOUNT_AND_CLIENT), (a.client, FREE_PER_CLIENT)];
    if failed_here_before {
        scopes.push((a.account, FREE_PER_ACCOUNT));
    }
    scopes
        .into_iter()
    .filter_map(|(scope, free)| Some(scope.previous_at? + delay(scope.count, free)? - now))
    .filter(|w| *w > 0)
    .max()
}

/// The client address as the throttle counts it: IPv4 as is, IPv6 as its /64 network (a
/// subscriber's range), so rotating through one's own addresses does not buy new attempts.
pub fn address_key(ip: Option<std::net::IpAddr>) -> String {
    match ip.map(|ip| ip.to_canonical()) {
        Some(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(v4) => v4.to_string(),
        None => String::new(),
    }
}

/// "30 seconds", "4 minutes": how a wait is told.
pub fn say_wait(secs: i64) -> String {
    if secs < 90 {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    } else {
        let minutes = (secs + 59) / 60;
        format!("{minutes} minutes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(count: i64, previous_at: i64) -> Attempts {
        Attempts { account_and_client: Scope { count, previous_at: Some(previous_at) }, ..Default::default() }
    }

    #[test]
    fn five_attempts_are_free_then_the_wait_doubles_up_to_fifteen_minutes() {
        assert_eq!(wait(&pair(5, 1000), 1000), None);
        assert_eq!(wait(&pair(6, 1000), 1000), Some(30));
        assert_eq!(wait(&pair(6, 1000), 1020), Some(10));
        assert_eq!(wait(&pair(6, 1000), 1030), None, "waited long enough");
        assert_eq!(wait(&pair(7, 1000), 1000), Some(60));
        assert_eq!(wait(&pair(12, 1000), 1000), Some(900));
        assert_eq!(wait(&pair(200, 1000), 1000), Some(900), "never more than fifteen minutes");
    }

    #[test]
    fn the_longest_scope_wins_and_a_first_attempt_never_waits() {
        let mut a = Attempts {
            account_and_client: Scope { count: 1, previous_at: None },
            client: Scope { count: 32, previous_at: Some(1000) },
            account: Scope { count: 104, previous_at: Some(1000) },
        };
        assert_eq!(wait(&a, 1000), Some(60), "the address sprayed 32 accounts");
        a.client = Scope { count: 1, previous_at: None };
        assert_eq!(wait(&a, 1000), None, "the owner, fresh from their own address, is not held up by guesses elsewhere");
        a.account_and_client = Scope { count: 2, previous_at: Some(1000) };
        assert_eq!(wait(&a, 1000), Some(240), "an address that failed here before meets the account-wide wait");
        assert_eq!(say_wait(60), "60 seconds");
        assert_eq!(address_key(Some("2001:db8:1:2:aaaa::1".parse().unwrap())), "2001:db8:1:2::/64");
        assert_eq!(address_key(Some("::ffff:192.0.2.7".parse().unwrap())), "192.0.2.7");
        assert_eq!(say_wait(900), "15 minutes");
    }
}
