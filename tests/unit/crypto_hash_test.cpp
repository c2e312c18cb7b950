#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace bs::crypto {
namespace {

std::string unhex(std::string_view h) {
  return hex_decode(h).value();
}

TEST(CryptoSha256, KnownAnswers) {
  EXPECT_EQ(hex_encode(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_encode(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 4231 §4, HMAC-SHA-256 results (test case 5 is truncated output and does not apply).
TEST(CryptoHmacSha256, Rfc4231TestCase1) {
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(CryptoHmacSha256, Rfc4231TestCase2) {
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoHmacSha256, Rfc4231TestCase3) {
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(20, '\xaa'), std::string(50, '\xdd'))),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST(CryptoHmacSha256, Rfc4231TestCase4) {
  EXPECT_EQ(hex_encode(hmac_sha256(unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                                   std::string(50, '\xcd'))),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST(CryptoHmacSha256, Rfc4231TestCase6) {
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(131, '\xaa'),
                                   "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(CryptoHmacSha256, Rfc4231TestCase7) {
  EXPECT_EQ(
      hex_encode(hmac_sha256(std::string(131, '\xaa'),
                             "This is a test using a larger than block-size key and a larger than block-size "
                             "data. The key needs to be hashed before being used by the HMAC algorithm.")),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

// Keyed contexts are kept per thread and key (at most 8): results must not depend on which keys
// were used before, in which order, on which thread, or on a key having been evicted.
TEST(CryptoHmacSha256, SameResultWhateverKeysCameBefore) {
  const std::string case1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
  const std::string case2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 12; ++k) (void)hmac_sha256("key-" + std::to_string(k), "evicts older keys");
    EXPECT_EQ(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")), case1);
    EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")), case2);
    EXPECT_EQ(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")), case1);
  }
  std::string from_other_thread;
  std::thread([&] {
    from_other_thread = hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?"));
  }).join();
  EXPECT_EQ(from_other_thread, case2);
}

TEST(CryptoHmacSha256, EmptyKeyAndData) {
  // Cross-checked against HMAC-SHA256 with a 64-byte zero block (the RFC 2104 padding of an empty key).
  EXPECT_EQ(hmac_sha256("", ""), hmac_sha256(std::string(64, '\0'), ""));
  EXPECT_EQ(hmac_sha256("", "").size(), 32u);
}

// RFC 5869 Appendix A.1.
TEST(CryptoHkdfSha256, Rfc5869TestCase1) {
  const std::string okm = hkdf_sha256(std::string(22, '\x0b'), unhex("000102030405060708090a0b0c"),
                                      unhex("f0f1f2f3f4f5f6f7f8f9"), 42);
  EXPECT_EQ(hex_encode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

// RFC 5869 Appendix A.3: zero-length salt and info.
TEST(CryptoHkdfSha256, Rfc5869TestCase3) {
  EXPECT_EQ(hex_encode(hkdf_sha256(std::string(22, '\x0b'), "", "", 42)),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(CryptoHkdfSha256, LengthsAndDomainSeparation) {
  EXPECT_EQ(hkdf_sha256("ikm", "salt", "info", 0), "");
  EXPECT_EQ(hkdf_sha256("ikm", "salt", "info", 8160).size(), 8160u);
  EXPECT_NE(hkdf_sha256("ikm", "salt", "a", 32), hkdf_sha256("ikm", "salt", "b", 32));
  // A shorter output is a prefix of a longer one with the same inputs.
  EXPECT_EQ(hkdf_sha256("ikm", "salt", "a", 16), hkdf_sha256("ikm", "salt", "a", 32).substr(0, 16));
}

TEST(CryptoConstantTimeEqual, Compares) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal("ab", "abc"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace bs::crypto
