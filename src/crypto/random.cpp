#include "crypto/random.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "crypto/encoding.hpp"

namespace bs::crypto {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  std::size_t done = 0;
  // RAND_bytes takes an int length; loop so huge requests cannot truncate.
  while (done < n) {
    const int chunk = static_cast<int>(std::min<std::size_t>(n - done, INT_MAX));
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), chunk) != 1) {
      std::fputs("fatal: RAND_bytes failed\n", stderr);
      std::abort();
    }
    done += static_cast<std::size_t>(chunk);
  }
  return out;
}

std::string random_token(std::size_t bytes) {
  return base64url_encode(random_bytes(bytes));
}

}  // namespace bs::crypto
