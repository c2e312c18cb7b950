#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace bs::crypto {
namespace {

// RFC 4648 §10 test vectors.
const std::vector<std::pair<std::string, std::string>> kRfc4648 = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(CryptoBase64, Rfc4648Vectors) {
  for (const auto& [plain, encoded] : kRfc4648) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
    std::string unpadded = encoded;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(base64url_encode(plain), unpadded);
    EXPECT_EQ(base64url_decode(unpadded), plain);
  }
}

TEST(CryptoBase64, UrlAlphabetDiffersFromStandard) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64_encode(bytes), "+/+/");
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), bytes);
  EXPECT_EQ(base64_decode("+/+/"), bytes);
  EXPECT_FALSE(base64url_decode("+/+/"));
  EXPECT_FALSE(base64_decode("-_-_"));
}

TEST(CryptoBase64, RoundTripsEveryLengthAndByte) {
  const std::string bytes = all_bytes();
  for (std::size_t len = 0; len <= 64; ++len) {
    for (std::size_t start = 0; start + len <= bytes.size(); start += 37) {
      const std::string in = bytes.substr(start, len);
      EXPECT_EQ(base64url_decode(base64url_encode(in)), in);
      EXPECT_EQ(base64_decode(base64_encode(in)), in);
      EXPECT_EQ(hex_decode(hex_encode(in)), in);
    }
  }
  for (int i = 0; i < 50; ++i) {
    const std::string in = random_bytes(static_cast<std::size_t>(i * 7));
    EXPECT_EQ(base64url_decode(base64url_encode(in)), in);
    EXPECT_EQ(base64_decode(base64_encode(in)), in);
  }
}

TEST(CryptoBase64, UrlRejectsNonCanonicalText) {
  EXPECT_FALSE(base64url_decode("Z"));       // length ≡ 1 mod 4
  EXPECT_FALSE(base64url_decode("Zm9vY"));   // length ≡ 1 mod 4
  EXPECT_FALSE(base64url_decode("Zg=="));    // padding
  EXPECT_FALSE(base64url_decode("Zm8="));    // padding
  EXPECT_FALSE(base64url_decode("Zh"));      // non-zero trailing bits ("Zg" is canonical)
  EXPECT_FALSE(base64url_decode("Zm9"));     // non-zero trailing bits ("Zm8" is canonical)
  EXPECT_FALSE(base64url_decode("Zm9v+"));   // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm/v"));    // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm 9v"));   // whitespace
  EXPECT_FALSE(base64url_decode("Zm9v\n"));  // whitespace
  EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)));
  EXPECT_FALSE(base64url_decode("Zm9v\xc3\xa9"));
  EXPECT_TRUE(base64url_decode("Zg"));
  EXPECT_TRUE(base64url_decode("Zm8"));
  EXPECT_EQ(base64url_decode(""), "");
}

TEST(CryptoBase64, StandardRejectsNonCanonicalText) {
  EXPECT_FALSE(base64_decode("Zg"));    // missing padding
  EXPECT_FALSE(base64_decode("Zg="));   // wrong length
  EXPECT_FALSE(base64_decode("Zh=="));  // non-zero trailing bits
  EXPECT_FALSE(base64_decode("Zm9="));  // non-zero trailing bits
  EXPECT_FALSE(base64_decode("Z==="));  // too much padding
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_FALSE(base64_decode("Zg=A"));  // padding in the middle
  EXPECT_FALSE(base64_decode("=Zg="));
  EXPECT_FALSE(base64_decode("Zg==Zg=="));
  EXPECT_FALSE(base64_decode("Zm9v\r\n"));
  EXPECT_FALSE(base64_decode("Zm9v-_=="));
  EXPECT_EQ(base64_decode(""), "");
}

TEST(CryptoHex, EncodesLowerAndDecodesEitherCase) {
  EXPECT_EQ(hex_encode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(hex_decode("0001abff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(hex_decode("0001ABFF"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(hex_decode(""), "");
  EXPECT_EQ(hex_encode(""), "");
}

TEST(CryptoHex, Rejects) {
  EXPECT_FALSE(hex_decode("0"));
  EXPECT_FALSE(hex_decode("abc"));
  EXPECT_FALSE(hex_decode("zz"));
  EXPECT_FALSE(hex_decode("0g"));
  EXPECT_FALSE(hex_decode("0x00"));
  EXPECT_FALSE(hex_decode(" 00"));
}

TEST(CryptoRandom, BytesAndTokens) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(1000).size(), 1000u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
  const std::string token = random_token();
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(base64url_decode(token)->size(), 32u);
  EXPECT_EQ(random_token(16).size(), 22u);
  EXPECT_NE(random_token(), random_token());
}

}  // namespace
}  // namespace bs::crypto
