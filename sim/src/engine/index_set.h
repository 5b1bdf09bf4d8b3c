// A set of indices below a bound (roads, junctions), gathered in any order and many times over, read
// in ascending order: a flag per index keeps the repeats out, so only the distinct ones are sorted.
// The phases gather the roads and junctions of the tracks with vehicles this way, each of them once
// per vehicle-bearing lane.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace traffic::engine {

class IndexSet {
 public:
  /// Empty, for indices below `bound`.
  void reset(std::size_t bound) {
    m_in.assign(bound, 0);
    m_list.clear();
    m_all = false;
  }
  void insert(std::uint32_t i) {
    if (m_all || m_in[i]) return;
    m_in[i] = 1;
    m_list.push_back(i);
  }
  /// Every index below the bound, without listing them.
  void insertAll() {
    clear();
    m_all = true;
  }
  /// Puts the indices in ascending order (after inserting, before reading).
  void sort() {
    if (!m_all) std::sort(m_list.begin(), m_list.end());
  }
  /// Keeps the indices for which `keep` holds, in their order.
  template <class Keep>
  void keepIf(Keep&& keep) {
    if (m_all) {
      m_all = false;
      for (std::size_t i = 0; i < m_in.size(); ++i)
        if (keep(static_cast<std::uint32_t>(i))) insert(static_cast<std::uint32_t>(i));
      return;
    }
    std::erase_if(m_list, [&](std::uint32_t i) {
      if (keep(i)) return false;
      m_in[i] = 0;
      return true;
    });
  }
  void clear() {
    for (std::uint32_t i : m_list) m_in[i] = 0;
    m_list.clear();
    m_all = false;
  }
  [[nodiscard]] std::size_t size() const { return m_all ? m_in.size() : m_list.size(); }
  /// The k-th index, ascending once sorted.
  [[nodiscard]] std::uint32_t operator[](std::size_t k) const { return m_all ? static_cast<std::uint32_t>(k) : m_list[k]; }

 private:
  std::vector<std::uint8_t> m_in;  // per index: in the list
  std::vector<std::uint32_t> m_list;
  bool m_all = false;  // every index below the bound, none listed
};

}  // namespace traffic::engine
