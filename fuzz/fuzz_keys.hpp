// Fixed keys for the fuzz targets, so that every input replays the same way. The symmetric and
// Ed25519 keys are the examples of RFC 7515 A.1 and RFC 8037 A.1 (their example tokens are in the
// seed corpus); the P-256 and RSA keys were generated for these targets and protect nothing.
#pragma once

#include <string_view>

namespace bs::fuzz {

inline constexpr std::string_view kHs256Jwk =
    R"({"kty":"oct","kid":"hs","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";

inline constexpr std::string_view kEs256Jwk =
    R"({"kty":"EC","kid":"es","crv":"P-256","x":"MR3qIHS5h3X6OvuZLQUj9DoUP2xInXzIhS5_sIJm_A4","y":"HrbakMbcIBYknC9QCyLza_LyaW1WO3B3MzjhfeL1ZlQ","d":"QtrKH5MEuVwjkyUM-xEmwRjlBgLIcHqkTkBU8Fv652M"})";

inline constexpr std::string_view kEd25519Jwk =
    R"({"kty":"OKP","kid":"ed","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";

inline constexpr std::string_view kRsaPrivatePem = R"(
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDaacW0OgS8R6Vy
remOG3HToZ7lT7p0WkXLY+mmnL4OChAKiJkHgHT4Iy5jkNv9xgPDYTMXMCrOb580
RTl8xV34Xr1ppAYCR+t6rkx4kKbtyem1C9M2gqnEOT2Gf87MwCtJcCiJMLCKFePj
tdlFA11z7yYHa1Bas32ZtQ5FIM5bXR2l1e084IzTm1kx3GMFfNJfPBGrCpsPUAcY
3ijgMf7un+hzgjAiBnvrgiJYLq0cCthaCmC70ax2y9AJ9Vv3P/IjuAUTCzeom1QR
pBZZv+4YZ2Z86I0cfzY7nYOqwX8BebaeiRi8046tJxZQ2KC5gAndsRvKDu72ldgI
ZLn1l/gTAgMBAAECggEACo3MSEMtcc08fDTvJJ2RSIEP/ocPVj2U3DK9wMrkj1hP
iIX4bwzEAJS8OLXW2FJplPCGpkfLkCIdduPv1szRF5+5I17e2dyQm/yXV8dI0BPo
crkmWzhauU9sXt1tW40ScMzP1W4NRph8MWEOJW/3yhLAq0cb1BlfdL5ZxcYqDCJ2
BhlLFLbQsIPSsynHb2Qsdp9YCWjw7j2v3kMSpMkPJQ8y8yU3efM6SGvhp63hNq/i
NWyiPEOy0emKyAUtfdesUi+B/YvOcVJX58HaWN0QaWsqp08IJGGq3uKV1uUxDnlm
xVPAnWiCu8M+joMC1DCHe92jDVLH+W2jwzSe8uaGYQKBgQD+X0ko00u2RgYelQzV
fp9Vbj9R3LzPhzfUDzIIyTNZuViqACbBqe/+oYA/Ipr/ewAFhpEQ80Sp7To4H7mF
EmdS4m7JaDCurT6lOxpSDvgGYEETG2UAnXrnsJOWhywvBSD5seoLLLf2ISFOqWnq
lO54nui/7kjupuuNlDc/uxP36wKBgQDbz5QDE/cnYZj6inhcP/wvqO1WK2pqsDSM
e1o+TXi/8KJ2K0zc1TCAKbkoq0iF6FmumgKit0n84LdF2b73iPOb509tYPvG4Lf/
BZsXE+P3XO7dUWdljAf03U/Xe99t5AaR5DyIDYsLej1nSBwuEzlZqTSC8Gq+GoEp
LUyzd/7eeQKBgAXJfy2ZmQhdkXgSpgcZaWCVMIWZQwZpqiB99AJ1KWDqMZU0ia0w
Q5CEdhl5nRMg5kA57oT3M+G1zvRF7H+Vipo9Io4ce7cNo/Y4YQHq60Oh3vkjT2nz
Kz+oKcNr8dpkAHsNzChS7SCBYnOasRkwKDjATMVJE4mybHt9GsCtbeffAoGAMsQe
SxexXUcNLdANPEEK3XcGWYBtc3Z+rHNQxFLgMHRDEUeu2NHkAbWhLeNhPIwNKmYn
da0fSWgc6+T+Ve0rVjZ2Aa0EeUotNJj22L2fSOINyM+kMa/Fpqf2aK4TTC391nQA
BuwZ0OzKgbAF0h5egHazygn8nStB6WCs9kYgdwECgYBl0LN3ofQ0EOVx1AahJ6RJ
f/PfufElpvDEvTNIW9I7KxAk+07/gb1SuA48n3s3mWHSuvSww+r7ffzHlTure42U
le6oj6A1OKWS3nZVrHxYxxTlppECG6dDs5ez2E3qUWiAwQuSJFa+ajk2AZZUBZO8
D2fSJhxXYQ7j+d+4517JCw==
-----END PRIVATE KEY-----
)";

}  // namespace bs::fuzz
