// Byte-level encoding for recordings: little-endian fixed fields, LEB128-style varints, zigzag for
// signed differences, strings, ids and polylines (docs/recording-format.md).
//
// Everything is encoded field by field; no struct is ever dumped as raw memory, so the file does
// not depend on the compiler, the platform or the padding of our types. Floating-point values are
// stored as their exact bit patterns: a replay must reproduce the live frames bit for bit. The
// reader checks every read against the end and every index against what it indexes, so no input
// can make it touch memory out of bounds. Header-only: these are the inner loops of recording
// every step, and the codecs in this folder inline them.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <span>
#include <vector>

#include "traffic/geometry.h"
#include "traffic/ids.h"

namespace traffic::recording_detail {

// ---- primitive encoding ---------------------------------------------------------------------

/// Appends little-endian fields to a byte vector.
class ByteWriter {
 public:
  std::vector<std::uint8_t> bytes;

  void u8(std::uint8_t v) { bytes.push_back(v); }
  void u32(std::uint32_t v) { fixed(v); }
  void u64(std::uint64_t v) { fixed(v); }
  void f32(float v) { u32(std::bit_cast<std::uint32_t>(v)); }
  void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  /// Seven bits per byte, low bits first; the high bit says another byte follows.
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      bytes.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes.push_back(static_cast<std::uint8_t>(v));
  }
  /// Signed values folded onto unsigned ones (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...) so that small
  /// negative differences stay small.
  void zigzag(std::int64_t v) { varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }
  void str(std::string_view s) {
    varint(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  template <class Tag>
  void id(Id<Tag> v) {
    varint(v.value);
  }
  template <class Tag>
  void ids(const std::vector<Id<Tag>>& v) {
    varint(v.size());
    for (Id<Tag> x : v) id(x);
  }
  void polyline(const Polyline& p) {
    varint(p.points.size());
    for (const Vec2& q : p.points) {
      f64(q.x);
      f64(q.y);
    }
  }

 private:
  /// Little-endian whatever the machine: a plain copy where the machine is little-endian (the
  /// common case, and the hot path when recording every step), byte by byte elsewhere.
  template <class T>
  void fixed(T v) {
    const std::size_t at = bytes.size();
    bytes.resize(at + sizeof(T));
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(bytes.data() + at, &v, sizeof(T));
    } else {
      for (std::size_t i = 0; i < sizeof(T); ++i) bytes[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
  }
};

/// Malformed or inconsistent bytes inside a section or frame whose checksum was fine: a file
/// written by a buggy or foreign writer. Turned into a LoadError with the file and place.
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads what ByteWriter wrote, checking every read against the end and every index against the
/// size of what it indexes, so that no input can make the reader (or a viewer using what it
/// returns) touch memory out of bounds.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : m_bytes(bytes) {}

  [[nodiscard]] std::size_t remaining() const { return m_bytes.size() - m_pos; }
  [[nodiscard]] bool atEnd() const { return m_pos == m_bytes.size(); }

  std::uint8_t u8() {
    need(1);
    return m_bytes[m_pos++];
  }
  std::uint32_t u32() {
    need(4);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(m_bytes[m_pos++]) << (8 * i);
    return v;
  }
  std::uint64_t u64() {
    need(8);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(m_bytes[m_pos++]) << (8 * i);
    return v;
  }
  float f32() { return std::bit_cast<float>(u32()); }
  double f64() { return std::bit_cast<double>(u64()); }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = u8();
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw DecodeError("a variable-length number runs over 10 bytes");
  }
  std::int64_t zigzag() {
    const std::uint64_t u = varint();
    return static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1);
  }
  /// A count of items that take at least `minBytesEach` bytes each: rejects counts the remaining
  /// bytes cannot hold, before anything is allocated for them.
  std::size_t count(std::size_t minBytesEach, const char* what) {
    const std::uint64_t n = varint();
    if (minBytesEach > 0 && n > remaining() / minBytesEach)
      throw DecodeError(std::string("the number of ") + what + " (" + std::to_string(n) + ") is more than the data holds");
    return static_cast<std::size_t>(n);
  }
  std::string str(const char* what) {
    const std::size_t n = count(1, what);
    std::string s(reinterpret_cast<const char*>(m_bytes.data() + m_pos), n);
    m_pos += n;
    return s;
  }
  /// An index that must be below `limit`.
  std::uint32_t index(std::size_t limit, const char* what) {
    const std::uint64_t v = varint();
    if (v >= limit)
      throw DecodeError(std::string(what) + " " + std::to_string(v) + " does not exist (there are " + std::to_string(limit) + ")");
    return static_cast<std::uint32_t>(v);
  }
  template <class IdT>
  IdT id(std::size_t limit, const char* what) {
    return IdT(index(limit, what));
  }
  template <class IdT>
  std::vector<IdT> ids(std::size_t limit, const char* what) {
    std::vector<IdT> out(count(1, what));
    for (IdT& x : out) x = id<IdT>(limit, what);
    return out;
  }
  Polyline polyline(const char* what) {
    Polyline p;
    p.points.resize(count(16, what));
    if (p.points.size() < 2) throw DecodeError(std::string(what) + " has fewer than 2 points");
    for (Vec2& q : p.points) {
      q.x = f64();
      q.y = f64();
    }
    return p;
  }

 private:
  void need(std::size_t n) const {
    if (remaining() < n) throw DecodeError("the data ends in the middle of a field");
  }
  std::span<const std::uint8_t> m_bytes;
  std::size_t m_pos = 0;
};

}  // namespace traffic::recording_detail
