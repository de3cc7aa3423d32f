//! Who is on the other end of a request: the TCP peer, or — when the peer is one of the configured
//! reverse proxies (`VOCPATH_TRUSTED_PROXIES`) — the address the proxies forwarded in the one header
//! the operator chose (`VOCPATH_FORWARDED_HEADER`): `X-Forwarded-For` or `Forwarded` (RFC 7239
//! `for=`). The other header is never read: a proxy that appends to one passes the other through as
//! the client wrote it, so believing it would let a client name any address it likes.
//!
//! Only proxies append to those headers; anything to the left of the entry our own proxy added
//! may have been written by the client. So the chain is read from the right, skipping trusted
//! proxies, and the first address that is not one is the client. A peer that is not trusted is the
//! client itself, and its headers are ignored.
//!
//! **Per-address limits** count an IPv6 client by its /64 ([`limit_key`]): one subscriber is
//! handed a whole /64 and may use a fresh address in it for every request. The audit log keeps the
//! full address. Pure: no I/O, no request types.

use std::net::IpAddr;

use ipnet::IpNet;

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and CIDR ranges (IPv4 and IPv6). Names every
    /// entry that is neither.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        let mut bad = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match entry.parse::<IpNet>() {
                Ok(net) => nets.push(net.trunc()),
                Err(_) => match entry.parse::<IpAddr>() {
                    Ok(ip) => nets.push(IpNet::from(ip)),
                    Err(_) => bad.push(format!("`{entry}`")),
                },
            }
        }
        if bad.is_empty() {
            Ok(TrustedProxies(nets))
        } else {
            Err(format!(
                "{} is not an IP address or CIDR range (e.g. 10.0.0.1, 10.0.0.0/8, ::1, fd00::/8)",
                bad.join(", ")
            ))
        }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The one forwarding header the trusted proxies write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` (nginx `$proxy_add_x_forwarded_for`, most load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded` (RFC 7239), for proxies configured to append `for=` to it.
    Forwarded,
}

impl ForwardedHeader {
    /// `x-forwarded-for` or `forwarded`, in any case.
    pub fn parse(text: &str) -> Result<ForwardedHeader, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
            "forwarded" => Ok(ForwardedHeader::Forwarded),
            _ => Err(format!("`{text}` is not `x-forwarded-for` or `forwarded`")),
        }
    }

    /// The header's name as it travels (lower case).
    pub fn name(self) -> &'static str {
        match self {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        }
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`, as dual-stack sockets report) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// What a per-address rate limit counts for a client address: an IPv4 address whole, an IPv6
/// address by its /64 (`2001:db8:1:2::/64`). Text that is no address (`unknown`) is kept as is.
pub fn limit_key(client_ip: &str) -> String {
    match client_ip.parse::<IpAddr>().map(canonical) {
        Ok(IpAddr::V6(v6)) => match ipnet::Ipv6Net::new(v6, 64) {
            Ok(net) => net.trunc().to_string(),
            Err(_) => client_ip.to_string(),
        },
        Ok(v4) => v4.to_string(),
        Err(_) => client_ip.to_string(),
    }
}

/// The client's address, given the peer and the values of every `header` header (in order).
/// A malformed entry ends the walk: the last address known good (a trusted proxy's client) is used.
pub fn resolve(peer: IpAddr, header: ForwardedHeader, values: &[&str], trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let entries = values.iter().flat_map(|h| h.split(','));
    let chain: Vec<Option<IpAddr>> = match header {
        ForwardedHeader::Forwarded => entries.map(forwarded_for).collect(),
        ForwardedHeader::XForwardedFor => entries.map(|e| parse_node(e.trim())).collect(),
    };
    let mut client = peer;
    for hop in chain.into_iter().rev() {
        match hop {
            Some(ip) if trusted.contains(ip) => client = ip,
            Some(ip) => return ip,
            None => return client,
        }
    }
    client
}

/// The `for=` of one `Forwarded` element (`for=192.0.2.1;proto=https`, `for="[2001:db8::1]:443"`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("for")
            .then(|| parse_node(v.trim().trim_matches('"')))
            .flatten()
    })
}

/// An address as proxies write it: bare, with a port, or IPv6 in brackets with an optional port.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = node.strip_prefix('[') {
        let (inside, _) = rest.split_once(']')?;
        return inside.parse::<IpAddr>().ok().map(canonical);
    }
    let (host, port) = node.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::ForwardedHeader::{Forwarded as Fwd, XForwardedFor as Xff};
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::parse("10.0.0.0/24, 2001:db8:ffff::1").expect("valid")
    }

    #[test]
    fn the_list_takes_addresses_and_ranges_and_names_every_bad_entry() {
        let t = proxies();
        assert!(t.contains(ip("10.0.0.77")) && t.contains(ip("2001:db8:ffff::1")));
        assert!(t.contains(ip("::ffff:10.0.0.5")), "IPv4-mapped IPv6 is IPv4");
        assert!(!t.contains(ip("10.0.1.1")) && !t.contains(ip("2001:db8:ffff::2")));
        let err = TrustedProxies::parse("10.0.0.1, nginx, 10.0.0.0/33").expect_err("bad");
        assert!(err.contains("`nginx`") && err.contains("`10.0.0.0/33`"), "{err}");
        assert!(TrustedProxies::parse("").expect("empty").is_empty());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_its_headers_say() {
        for (header, value) in [(Fwd, "for=1.1.1.1"), (Xff, "1.2.3.4")] {
            assert_eq!(resolve(ip("192.0.2.9"), header, &[value], &proxies()), ip("192.0.2.9"));
        }
    }

    #[test]
    fn the_right_most_untrusted_entry_is_the_client_and_spoofed_left_entries_are_ignored() {
        let t = proxies();
        let xff = ["6.6.6.6, 203.0.113.7, 10.0.0.2"];
        assert_eq!(resolve(ip("10.0.0.1"), Xff, &xff, &t), ip("203.0.113.7"));
        // Several headers are one list, in order.
        let split = ["6.6.6.6", "203.0.113.7"];
        assert_eq!(resolve(ip("10.0.0.1"), Xff, &split, &t), ip("203.0.113.7"));
    }

    #[test]
    fn ipv6_and_ports_are_understood_in_both_headers() {
        let t = proxies();
        let v6 = ip("2001:db8:ffff::1");
        assert_eq!(resolve(v6, Xff, &["2001:db8::42"], &t), ip("2001:db8::42"));
        assert_eq!(resolve(v6, Xff, &["[2001:db8::42]:5555"], &t), ip("2001:db8::42"));
        assert_eq!(resolve(v6, Xff, &["198.51.100.4:8080"], &t), ip("198.51.100.4"));
        let fwd = [r#"for=6.6.6.6, for="[2001:db8::42]:443";proto=https, For=10.0.0.3"#];
        assert_eq!(resolve(v6, Fwd, &fwd, &t), ip("2001:db8::42"));
    }

    #[test]
    fn a_malformed_or_obfuscated_entry_stops_at_the_last_trusted_hop() {
        let t = proxies();
        assert_eq!(
            resolve(ip("10.0.0.1"), Xff, &["203.0.113.7, garbage"], &t),
            ip("10.0.0.1")
        );
        assert_eq!(resolve(ip("10.0.0.1"), Xff, &["garbage, 10.0.0.9"], &t), ip("10.0.0.9"));
        assert_eq!(resolve(ip("10.0.0.1"), Fwd, &["for=unknown"], &t), ip("10.0.0.1"));
        assert_eq!(resolve(ip("10.0.0.1"), Fwd, &["for=_hidden"], &t), ip("10.0.0.1"));
        assert_eq!(resolve(ip("10.0.0.1"), Xff, &[""], &t), ip("10.0.0.1"));
    }

    #[test]
    fn the_header_is_named_by_the_operator_and_nothing_else_is_accepted() {
        assert_eq!(ForwardedHeader::parse("X-Forwarded-For"), Ok(Xff));
        assert_eq!(ForwardedHeader::parse(" forwarded "), Ok(Fwd));
        assert_eq!(ForwardedHeader::default(), Xff);
        let err = ForwardedHeader::parse("x-real-ip").expect_err("unknown");
        assert!(err.contains("`x-real-ip`") && err.contains("x-forwarded-for"), "{err}");
    }

    #[test]
    fn only_the_chosen_header_is_read() {
        let t = proxies();
        let peer = ip("10.0.0.1");
        // What nginx sends when a client forged `Forwarded` and the proxy appended to XFF.
        assert_eq!(resolve(peer, Xff, &["203.0.113.7"], &t), ip("203.0.113.7"));
        assert_eq!(resolve(peer, Fwd, &["for=203.0.113.7"], &t), ip("203.0.113.7"));
        assert_eq!(
            resolve(peer, Fwd, &["203.0.113.7"], &t),
            peer,
            "XFF syntax is no `for=`"
        );
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_and_ipv4_clients_by_their_address() {
        assert_eq!(limit_key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(limit_key("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::/64");
        assert_ne!(limit_key("2001:db8:1:3::1"), limit_key("2001:db8:1:2::1"));
        assert_eq!(limit_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(limit_key("::ffff:203.0.113.7"), "203.0.113.7", "IPv4-mapped is IPv4");
        assert_eq!(limit_key("unknown"), "unknown");
        assert!(
            limit_key("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").len() <= 64,
            "fits the column"
        );
    }

    #[test]
    fn a_chain_of_only_trusted_proxies_gives_the_left_most() {
        let t = proxies();
        assert_eq!(
            resolve(ip("10.0.0.1"), Xff, &["10.0.0.8, 10.0.0.9"], &t),
            ip("10.0.0.8")
        );
        assert_eq!(resolve(ip("10.0.0.1"), Xff, &[], &t), ip("10.0.0.1"));
        assert_eq!(resolve(ip("10.0.0.1"), Fwd, &[], &t), ip("10.0.0.1"));
    }
}
