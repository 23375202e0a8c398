//! Session table: login tokens (`##<hex>`), inactivity timeout refreshed by every call,
//! logout/kill, and the concurrent-session limit (445).

use rand::Rng;
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Session {
    timeout: Duration,
    last: Instant,
}

#[derive(Debug, Default)]
pub struct Sessions {
    map: HashMap<String, Session>,
}

/// Why a token was refused.
#[derive(Debug, PartialEq)]
pub enum Refused {
    Expired,
    Limit,
}

impl Sessions {
    fn purge(&mut self) {
        let now = Instant::now();
        self.map
            .retain(|_, s| now.duration_since(s.last) < s.timeout);
    }

    pub fn login(&mut self, timeout: Duration, max: usize) -> Result<String, Refused> {
        self.purge();
        if self.map.len() >= max {
            return Err(Refused::Limit);
        }
        let mut rng = rand::rng();
        let hex: String = (0..16)
            .map(|_| format!("{:02X}", rng.random::<u8>()))
            .collect();
        let token = format!("##{hex}");
        self.map.insert(
            token.clone(),
            Session {
                timeout,
                last: Instant::now(),
            },
        );
        Ok(token)
    }

    /// Validate and refresh a token.
    pub fn touch(&mut self, token: &str) -> Result<(), Refused> {
        self.purge();
        match self.map.get_mut(token) {
            Some(s) => {
                s.last = Instant::now();
                Ok(())
            }
            None => Err(Refused::Expired),
        }
    }

    pub fn kill(&mut self, token: &str) -> bool {
        self.map.remove(token).is_some()
    }

    pub fn kill_all(&mut self) {
        self.map.clear();
    }

    pub fn active(&mut self) -> usize {
        self.purge();
        self.map.len()
    }
}
