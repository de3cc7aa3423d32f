//! The rate-limit settings (`VOCPATH_RATE_LIMIT_*`): how many attempts each kind of caller gets in
//! a window. Only numbers live here; `auth::ratelimit` and `training::registrations::rate_limit`
//! enforce them. The defaults are the limits vocpath always had.

/// Limits of staff sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failed attempts per account from browsers without a device cookie for it.
    pub per_account: u64,
    /// Failed attempts per client address from browsers without a device cookie.
    pub per_address: u64,
    /// Failed attempts per device cookie (a browser that signed in to the account before).
    pub per_device: u64,
    /// Failed attempts per account from all its device cookies together, so a hoard of cookies
    /// does not multiply the guesses.
    pub devices_total: u64,
    pub window_minutes: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_account: 5,
            per_address: 20,
            per_device: 5,
            devices_total: 20,
            window_minutes: 15,
        }
    }
}

/// Limits of the public farmer forms (registration, look-up, cancellation, interest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicLimits {
    /// Attempts at any public form per client address.
    pub per_address: u64,
    /// Registrations (or interest) per phone.
    pub per_phone: u64,
    /// Look-ups and cancellations (phone + code) per phone.
    pub lookups_per_phone: u64,
    pub window_minutes: i64,
}

impl Default for PublicLimits {
    fn default() -> Self {
        PublicLimits {
            per_address: 30,
            per_phone: 5,
            lookups_per_phone: 10,
            window_minutes: 10,
        }
    }
}

/// All rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimits {
    pub login: LoginLimits,
    pub public: PublicLimits,
}

impl RateLimits {
    /// Reads `VOCPATH_RATE_LIMIT_*` through `number(name, default, min, max)`, which reports a bad
    /// value by variable name and returns the default.
    pub fn parse(mut number: impl FnMut(&str, i64, i64, i64) -> i64) -> RateLimits {
        let (l, p) = (LoginLimits::default(), PublicLimits::default());
        let mut count = |name: &str, default: u64| number(name, default as i64, 1, 100_000) as u64;
        let login = LoginLimits {
            per_account: count("VOCPATH_RATE_LIMIT_LOGIN_ACCOUNT", l.per_account),
            per_address: count("VOCPATH_RATE_LIMIT_LOGIN_ADDRESS", l.per_address),
            per_device: count("VOCPATH_RATE_LIMIT_LOGIN_DEVICE", l.per_device),
            devices_total: count("VOCPATH_RATE_LIMIT_LOGIN_DEVICES_TOTAL", l.devices_total),
            window_minutes: 0,
        };
        let public = PublicLimits {
            per_address: count("VOCPATH_RATE_LIMIT_PUBLIC_ADDRESS", p.per_address),
            per_phone: count("VOCPATH_RATE_LIMIT_PUBLIC_PHONE", p.per_phone),
            lookups_per_phone: count("VOCPATH_RATE_LIMIT_PUBLIC_LOOKUPS", p.lookups_per_phone),
            window_minutes: 0,
        };
        let day = 24 * 60;
        RateLimits {
            login: LoginLimits {
                window_minutes: number("VOCPATH_RATE_LIMIT_LOGIN_WINDOW_MINUTES", l.window_minutes, 1, day),
                ..login
            },
            public: PublicLimits {
                window_minutes: number("VOCPATH_RATE_LIMIT_PUBLIC_WINDOW_MINUTES", p.window_minutes, 1, day),
                ..public
            },
        }
    }
}
