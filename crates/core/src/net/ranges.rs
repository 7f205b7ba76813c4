//! Which IP addresses are not public: the ranges the SSRF guard denies by default.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::cidr::Cidr;

/// IPv4 ranges that are not globally reachable, with the reason shown in errors.
const DENIED_V4: &[(Cidr, &str)] = &[
    (Cidr::v4([169, 254, 169, 254], 32), "cloud metadata service"),
    // Azure's wireserver (instance metadata, certificates, agent commands): a public-looking
    // address that every Azure VM can reach.
    (
        Cidr::v4([168, 63, 129, 16], 32),
        "cloud metadata service (Azure wireserver)",
    ),
    (Cidr::v4([0, 0, 0, 0], 8), "\"this network\" / unspecified"),
    (Cidr::v4([10, 0, 0, 0], 8), "private network (RFC 1918)"),
    (
        Cidr::v4([100, 64, 0, 0], 10),
        "carrier-grade NAT (RFC 6598)",
    ),
    (Cidr::v4([127, 0, 0, 0], 8), "loopback"),
    (Cidr::v4([169, 254, 0, 0], 16), "link-local"),
    (Cidr::v4([172, 16, 0, 0], 12), "private network (RFC 1918)"),
    (Cidr::v4([192, 0, 0, 0], 24), "IETF protocol assignments"),
    (Cidr::v4([192, 0, 2, 0], 24), "documentation (TEST-NET-1)"),
    (Cidr::v4([192, 88, 99, 0], 24), "6to4 relay anycast"),
    (Cidr::v4([192, 168, 0, 0], 16), "private network (RFC 1918)"),
    (Cidr::v4([198, 18, 0, 0], 15), "benchmarking"),
    (
        Cidr::v4([198, 51, 100, 0], 24),
        "documentation (TEST-NET-2)",
    ),
    (Cidr::v4([203, 0, 113, 0], 24), "documentation (TEST-NET-3)"),
    (Cidr::v4([224, 0, 0, 0], 4), "multicast"),
    (Cidr::v4([255, 255, 255, 255], 32), "broadcast"),
    (Cidr::v4([240, 0, 0, 0], 4), "reserved"),
];

/// IPv6 ranges that are not globally reachable (embedded IPv4 forms are handled separately).
const DENIED_V6: &[(Cidr, &str)] = &[
    (Cidr::v6(0, 128), "unspecified"),
    (Cidr::v6(1, 128), "loopback"),
    (Cidr::v6(0x0064_ff9b_0001_u128 << 80, 48), "local-use NAT64"),
    (Cidr::v6(0x0100_u128 << 112, 64), "discard-only"),
    (Cidr::v6(0x2001_0000_u128 << 96, 32), "Teredo"),
    (Cidr::v6(0x2001_0002_u128 << 96, 48), "benchmarking"),
    (Cidr::v6(0x2001_0010_u128 << 96, 28), "ORCHID"),
    (Cidr::v6(0x2001_0020_u128 << 96, 28), "ORCHIDv2"),
    (Cidr::v6(0x2001_0db8_u128 << 96, 32), "documentation"),
    (Cidr::v6(0x3fff_u128 << 112, 20), "documentation"),
    (Cidr::v6(0xfc00_u128 << 112, 7), "unique local address"),
    (Cidr::v6(0xfe80_u128 << 112, 10), "link-local"),
    (Cidr::v6(0xfec0_u128 << 112, 10), "site-local (deprecated)"),
    (Cidr::v6(0xff00_u128 << 112, 8), "multicast"),
];

/// Why `ip` is not a public address, or `None` when it is globally reachable.
///
/// Covers loopback, RFC 1918, link-local (including the 169.254.169.254 metadata service), CGNAT,
/// unspecified, broadcast, multicast, documentation, benchmarking and reserved ranges, IPv6 ULA and
/// link-local, and IPv6 addresses that embed an IPv4 address (IPv4-mapped `::ffff:0:0/96`,
/// IPv4-compatible `::/96`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`), which are judged by the
/// embedded address.
///
/// ```
/// use switchboard_core::net::denied_range;
/// assert_eq!(denied_range("10.1.2.3".parse().unwrap()), Some("private network (RFC 1918)"));
/// assert_eq!(denied_range("::ffff:169.254.169.254".parse().unwrap()), Some("cloud metadata service"));
/// assert_eq!(denied_range("93.184.215.14".parse().unwrap()), None);
/// ```
pub fn denied_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => denied_v4(v4),
        IpAddr::V6(v6) => denied_v6(v6),
    }
}

fn denied_v4(ip: Ipv4Addr) -> Option<&'static str> {
    DENIED_V4
        .iter()
        .find(|(net, _)| net.contains(IpAddr::V4(ip)))
        .map(|(_, why)| *why)
}

fn denied_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(why) = DENIED_V6
        .iter()
        .find(|(net, _)| net.contains(IpAddr::V6(ip)))
        .map(|(_, why)| *why)
    {
        return Some(why);
    }
    embedded_v4(ip).and_then(denied_v4)
}

/// Whether `ip` is inside `net`, judging an IPv6 address that embeds an IPv4 one by both forms.
///
/// Used for operator-given ranges: `10.0.0.0/8` also matches `::ffff:10.1.2.3`,
/// `64:ff9b::10.1.2.3` and `2002:0a01:0203::1`, which reach the same host (or a relay that
/// forwards to it); and an IPv4-mapped range such as `::ffff:10.0.0.0/104` also matches the plain
/// IPv4 address. The embedded forms are the ones [`embedded_v4`] decodes, the same as for the
/// default ranges.
pub(crate) fn cidr_matches(net: &Cidr, ip: IpAddr) -> bool {
    if net.contains(ip) {
        return true;
    }
    match ip {
        IpAddr::V6(v6) => embedded_v4(v6).is_some_and(|v4| net.contains(IpAddr::V4(v4))),
        IpAddr::V4(v4) => net.contains(IpAddr::V6(v4.to_ipv6_mapped())),
    }
}

/// The IPv4 address carried inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 address.
///
/// NAT64 covers the well-known prefix `64:ff9b::/96` and the local-use prefix `64:ff9b:1::/48`
/// in its `/96` layout (IPv4 address in the last 32 bits); other RFC 6052 layouts inside the
/// local-use prefix are not decoded, which is why the default ranges deny that whole `/48`.
pub(crate) fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = ip.to_bits();
    let low32 = Ipv4Addr::from_bits(bits as u32);
    if bits >> 32 == 0xffff {
        return Some(low32); // ::ffff:a.b.c.d
    }
    if bits >> 32 == 0 {
        return Some(low32); // ::a.b.c.d (deprecated IPv4-compatible)
    }
    if bits >> 32 == 0x0064_ff9b_u128 << 64 {
        return Some(low32); // 64:ff9b::a.b.c.d
    }
    if bits >> 80 == 0x0064_ff9b_0001 {
        return Some(low32); // 64:ff9b:1::/48 with the IPv4 address in the last 32 bits
    }
    if bits >> 112 == 0x2002 {
        return Some(Ipv4Addr::from_bits((bits >> 80) as u32)); // 2002:AABB:CCDD::/48
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("127.0.0.1", Some("loopback")),
            ("127.255.0.9", Some("loopback")),
            ("10.0.0.1", Some("private network (RFC 1918)")),
            ("172.16.0.1", Some("private network (RFC 1918)")),
            ("172.31.255.255", Some("private network (RFC 1918)")),
            ("172.32.0.1", None),
            ("192.168.1.1", Some("private network (RFC 1918)")),
            ("169.254.169.254", Some("cloud metadata service")),
            ("169.254.1.1", Some("link-local")),
            (
                "168.63.129.16",
                Some("cloud metadata service (Azure wireserver)"),
            ),
            ("168.63.129.15", None),
            ("168.63.129.17", None),
            (
                "::ffff:168.63.129.16",
                Some("cloud metadata service (Azure wireserver)"),
            ),
            ("100.64.0.1", Some("carrier-grade NAT (RFC 6598)")),
            ("100.127.255.255", Some("carrier-grade NAT (RFC 6598)")),
            ("100.128.0.1", None),
            ("0.0.0.0", Some("\"this network\" / unspecified")),
            ("255.255.255.255", Some("broadcast")),
            ("224.0.0.1", Some("multicast")),
            ("239.255.255.250", Some("multicast")),
            ("240.0.0.1", Some("reserved")),
            ("192.0.2.5", Some("documentation (TEST-NET-1)")),
            ("198.51.100.5", Some("documentation (TEST-NET-2)")),
            ("203.0.113.5", Some("documentation (TEST-NET-3)")),
            ("198.18.0.1", Some("benchmarking")),
            ("192.0.0.8", Some("IETF protocol assignments")),
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("93.184.215.14", None),
            ("::", Some("unspecified")),
            ("::1", Some("loopback")),
            ("fc00::1", Some("unique local address")),
            ("fd12:3456::1", Some("unique local address")),
            ("fe80::1", Some("link-local")),
            ("fec0::1", Some("site-local (deprecated)")),
            ("ff02::1", Some("multicast")),
            ("2001:db8::1", Some("documentation")),
            ("2001::1", Some("Teredo")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:10.1.1.1", Some("private network (RFC 1918)")),
            ("::ffff:169.254.169.254", Some("cloud metadata service")),
            ("::ffff:8.8.8.8", None),
            ("::10.0.0.1", Some("private network (RFC 1918)")),
            ("64:ff9b::127.0.0.1", Some("loopback")),
            ("64:ff9b::a9fe:a9fe", Some("cloud metadata service")),
            ("64:ff9b::8.8.8.8", None),
            ("64:ff9b:1::1", Some("local-use NAT64")),
            ("2002:7f00:0001::1", Some("loopback")),
            ("2002:a9fe:a9fe::1", Some("cloud metadata service")),
            ("2002:c0a8:0101::1", Some("private network (RFC 1918)")),
            ("2002:0808:0808::1", None),
            ("2606:4700:4700::1111", None),
            ("2a00:1450:4001::1", None),
        ];
        for (ip, want) in cases {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(denied_range(ip), *want, "{ip}");
        }
    }

    #[test]
    fn embedded_ipv4_forms_are_judged_like_the_ipv4_address() {
        // Edges of every denied IPv4 range, their neighbours, and a pseudo-random spread.
        let mut samples: Vec<u32> = Vec::new();
        for (net, _) in DENIED_V4 {
            let IpAddr::V4(start) = net_addr(net) else {
                unreachable!("IPv4 table")
            };
            let start = u32::from(start);
            let size = 1u64 << (32 - u32::from(net_prefix(net)));
            let end = (u64::from(start) + size - 1) as u32;
            samples.extend([start, end, start.wrapping_sub(1), end.wrapping_add(1)]);
        }
        let mut x: u32 = 0x9e37_79b9;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            samples.push(x);
        }
        for bits in samples {
            let v4 = Ipv4Addr::from_bits(bits);
            let want = denied_v4(v4);
            let b = u128::from(bits);
            let forms = [
                (0xffff_u128 << 32) | b,
                (0x0064_ff9b_u128 << 96) | b,
                (0x2002_u128 << 112) | (b << 80),
            ];
            for form in forms {
                let v6 = Ipv6Addr::from_bits(form);
                assert_eq!(denied_range(IpAddr::V6(v6)), want, "{v6} embeds {v4}");
            }
        }
    }

    #[test]
    fn operator_ranges_match_ipv4_embedded_in_ipv6() {
        let net: Cidr = "10.0.0.0/8".parse().unwrap();
        for ip in [
            "10.1.2.3",
            "::ffff:10.1.2.3",
            "::10.1.2.3",
            "64:ff9b::10.1.2.3",
            "64:ff9b:1::10.1.2.3",
            "2002:0a01:0203::1",
        ] {
            assert!(cidr_matches(&net, ip.parse().unwrap()), "{ip} is in {net}");
        }
        for ip in [
            "11.1.2.3",
            "::ffff:11.1.2.3",
            "64:ff9b::b01:203",
            "2002:0b01:0203::1",
            "2001:db8::a01:203",
        ] {
            assert!(
                !cidr_matches(&net, ip.parse().unwrap()),
                "{ip} is not in {net}"
            );
        }
    }

    #[test]
    fn operator_ipv4_mapped_ranges_match_the_plain_ipv4_address() {
        let net: Cidr = "::ffff:10.0.0.0/104".parse().unwrap();
        assert!(cidr_matches(&net, "10.9.9.9".parse().unwrap()));
        assert!(!cidr_matches(&net, "11.9.9.9".parse().unwrap()));
    }

    #[test]
    fn operator_ipv6_ranges_still_match_ipv6_addresses_directly() {
        let net: Cidr = "2002::/16".parse().unwrap();
        assert!(cidr_matches(&net, "2002:0808:0808::1".parse().unwrap()));
        assert!(!cidr_matches(&net, "8.8.8.8".parse().unwrap()));
    }

    fn net_addr(net: &Cidr) -> IpAddr {
        net.to_string().split('/').next().unwrap().parse().unwrap()
    }

    fn net_prefix(net: &Cidr) -> u8 {
        net.to_string().split('/').nth(1).unwrap().parse().unwrap()
    }

    #[test]
    fn cidr_parse_and_contains() {
        let net: Cidr = "10.1.2.3/8".parse().unwrap();
        assert_eq!(net.to_string(), "10.0.0.0/8");
        assert!(net.contains("10.200.0.1".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(!net.contains("::ffff:10.0.0.1".parse().unwrap()));
        let host: Cidr = "::1".parse().unwrap();
        assert!(host.contains("::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nope/8".parse::<Cidr>().is_err());
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
    }
}
