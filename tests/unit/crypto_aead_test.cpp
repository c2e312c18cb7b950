#include <gtest/gtest.h>

#include <string>

#include "crypto/aead.hpp"
#include "crypto/random.hpp"

namespace bs::crypto {
namespace {

TEST(CryptoAead, RoundTrip) {
  const std::string key = random_bytes(32);
  for (const std::string& plaintext : {std::string(), std::string("hello"), random_bytes(4096)}) {
    auto sealed = aes256gcm_seal(key, plaintext, "context");
    ASSERT_TRUE(sealed) << sealed.error().description;
    EXPECT_EQ(sealed->size(), kAeadNonceBytes + plaintext.size() + kAeadTagBytes);
    auto opened = aes256gcm_open(key, *sealed, "context");
    ASSERT_TRUE(opened) << opened.error().description;
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(CryptoAead, EmptyAad) {
  const std::string key = random_bytes(32);
  auto sealed = aes256gcm_seal(key, "secret", "");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(aes256gcm_open(key, *sealed, "").value(), "secret");
  EXPECT_FALSE(aes256gcm_open(key, *sealed, "x"));
}

TEST(CryptoAead, FreshNonceEachTime) {
  const std::string key = random_bytes(32);
  auto a = aes256gcm_seal(key, "same", "");
  auto b = aes256gcm_seal(key, "same", "");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->substr(0, kAeadNonceBytes), b->substr(0, kAeadNonceBytes));
  EXPECT_NE(*a, *b);
}

TEST(CryptoAead, RejectsEveryTamperedByte) {
  const std::string key = random_bytes(32);
  auto sealed = aes256gcm_seal(key, "attack at dawn", "aad");
  ASSERT_TRUE(sealed);
  // Nonce, ciphertext and tag bytes are all authenticated.
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto opened = aes256gcm_open(key, bad, "aad");
    ASSERT_FALSE(opened) << "byte " << i;
    EXPECT_EQ(opened.error().code, ErrorCode::invalid_data);
  }
}

TEST(CryptoAead, RejectsWrongKeyAadAndTruncation) {
  const std::string key = random_bytes(32);
  auto sealed = aes256gcm_seal(key, "attack at dawn", "aad");
  ASSERT_TRUE(sealed);
  auto wrong_key = aes256gcm_open(random_bytes(32), *sealed, "aad");
  ASSERT_FALSE(wrong_key);
  EXPECT_EQ(wrong_key.error().code, ErrorCode::invalid_data);
  EXPECT_FALSE(aes256gcm_open(key, *sealed, "aae"));
  EXPECT_FALSE(aes256gcm_open(key, sealed->substr(0, sealed->size() - 1), "aad"));
  EXPECT_FALSE(aes256gcm_open(key, *sealed + "x", "aad"));
  auto too_short = aes256gcm_open(key, sealed->substr(0, 27), "aad");
  ASSERT_FALSE(too_short);
  EXPECT_EQ(too_short.error().code, ErrorCode::invalid_data);
  EXPECT_FALSE(aes256gcm_open(key, "", "aad"));
}

TEST(CryptoAead, RejectsWrongKeySize) {
  auto sealed = aes256gcm_seal(random_bytes(16), "x", "");
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().code, ErrorCode::internal_error);
  EXPECT_FALSE(aes256gcm_open(random_bytes(31), std::string(40, 'x'), ""));
}

}  // namespace
}  // namespace bs::crypto
