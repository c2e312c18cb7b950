#include <argon2.h>
#include <gtest/gtest.h>

#include <string>

#include "crypto/password.hpp"

namespace bs::crypto {
namespace {

// Cheap enough for unit tests; production uses kDefaultPasswordParams.
constexpr PasswordParams kCheap{64, 1, 1};

TEST(CryptoPassword, HashAndVerify) {
  auto hash = hash_password("correct horse battery staple", kCheap);
  ASSERT_TRUE(hash) << hash.error().description;
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=64,t=1,p=1$")) << *hash;
  EXPECT_TRUE(verify_password("correct horse battery staple", *hash));
  EXPECT_FALSE(verify_password("correct horse battery stapl", *hash));
  EXPECT_FALSE(verify_password("Correct horse battery staple", *hash));
  EXPECT_FALSE(verify_password("", *hash));
}

TEST(CryptoPassword, UnmatchableHashIsWellFormedAndMatchesNothing) {
  const std::string dummy = unmatchable_password_hash(kCheap);
  EXPECT_TRUE(dummy.starts_with("$argon2id$v=19$m=64,t=1,p=1$")) << dummy;
  EXPECT_FALSE(password_needs_rehash(dummy, kCheap));
  // argon2 decodes it and computes the tag (a mismatch, not a decoding error): the same work as
  // verifying a real hash, so an unknown account answers in the same time as a wrong password.
  EXPECT_EQ(argon2id_verify(dummy.c_str(), "x", 1), ARGON2_VERIFY_MISMATCH);
  EXPECT_FALSE(verify_password("", dummy));
  EXPECT_FALSE(verify_password("correct horse battery staple", dummy));
  EXPECT_NE(dummy, unmatchable_password_hash(kCheap));
  EXPECT_TRUE(unmatchable_password_hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
}

TEST(CryptoPassword, SaltsDiffer) {
  auto a = hash_password("pw", kCheap);
  auto b = hash_password("pw", kCheap);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verify_password("pw", *a));
  EXPECT_TRUE(verify_password("pw", *b));
}

TEST(CryptoPassword, EmptyAndBinaryPasswords) {
  auto empty = hash_password("", kCheap);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(verify_password("", *empty));
  EXPECT_FALSE(verify_password("x", *empty));
  const std::string binary("a\0b", 3);
  auto bin = hash_password(binary, kCheap);
  ASSERT_TRUE(bin);
  EXPECT_TRUE(verify_password(binary, *bin));
  EXPECT_FALSE(verify_password("a", *bin));
}

TEST(CryptoPassword, DefaultParamsAreOwaspArgon2id) {
  auto hash = hash_password("pw");
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *hash;
  EXPECT_TRUE(verify_password("pw", *hash));
  EXPECT_FALSE(password_needs_rehash(*hash));
  EXPECT_TRUE(password_needs_rehash(*hash, kCheap));
}

TEST(CryptoPassword, RejectsMalformed) {
  auto hash = hash_password("pw", kCheap);
  ASSERT_TRUE(hash);
  EXPECT_FALSE(verify_password("pw", ""));
  EXPECT_FALSE(verify_password("pw", "pw"));
  EXPECT_FALSE(verify_password("pw", "$argon2id$"));
  EXPECT_FALSE(verify_password("pw", hash->substr(0, hash->size() - 5)));
  EXPECT_FALSE(verify_password("pw", *hash + "A"));
  EXPECT_FALSE(verify_password("pw", *hash + std::string(1, '\0')));
  // Another Argon2 variant with otherwise valid structure.
  std::string argon2i = *hash;
  argon2i.replace(0, 10, "$argon2i$");
  EXPECT_FALSE(verify_password("pw", argon2i));
  // Parameters far beyond anything we issue are refused before any work is done.
  std::string huge = *hash;
  huge.replace(huge.find("m=64"), 4, "m=4194304");
  EXPECT_FALSE(verify_password("pw", huge));
  EXPECT_TRUE(password_needs_rehash("garbage"));
}

TEST(CryptoPassword, InvalidParamsAreAnError) {
  auto hash = hash_password("pw", PasswordParams{1, 1, 1});  // below argon2's 8 KiB per lane minimum
  ASSERT_FALSE(hash);
  EXPECT_EQ(hash.error().code, ErrorCode::internal_error);
}

}  // namespace
}  // namespace bs::crypto
