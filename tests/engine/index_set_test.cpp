// IndexSet (engine/index_set.h): the roads and junctions the phases visit, gathered with repeats
// and read in ascending order, or all of them without a list.
#include <gtest/gtest.h>

#include <vector>

#include "engine/index_set.h"

namespace traffic::engine {
namespace {

std::vector<std::uint32_t> contents(const IndexSet& s) {
  std::vector<std::uint32_t> out;
  for (std::size_t k = 0; k < s.size(); ++k) out.push_back(s[k]);
  return out;
}

TEST(IndexSet, RepeatsAreKeptOutAndTheRestReadAscending) {
  IndexSet s;
  s.reset(10);
  for (std::uint32_t i : {7u, 2u, 7u, 9u, 2u, 0u, 7u}) s.insert(i);
  s.sort();
  EXPECT_EQ(contents(s), (std::vector<std::uint32_t>{0, 2, 7, 9}));
}

TEST(IndexSet, ClearForgetsEveryIndexSoTheyCanComeBack) {
  IndexSet s;
  s.reset(5);
  s.insert(3);
  s.insert(1);
  s.clear();
  EXPECT_EQ(s.size(), 0u);
  s.insert(3);
  s.insert(3);
  EXPECT_EQ(contents(s), (std::vector<std::uint32_t>{3}));
}

TEST(IndexSet, AllHoldsEveryIndexBelowTheBoundAndIgnoresInserts) {
  IndexSet s;
  s.reset(4);
  s.insert(2);
  s.insertAll();
  s.insert(1);
  s.sort();
  EXPECT_EQ(contents(s), (std::vector<std::uint32_t>{0, 1, 2, 3}));
}

TEST(IndexSet, KeepIfFiltersAListInOrder) {
  IndexSet s;
  s.reset(10);
  for (std::uint32_t i : {8u, 1u, 4u, 5u}) s.insert(i);
  s.sort();
  s.keepIf([](std::uint32_t i) { return i % 2 == 0; });
  EXPECT_EQ(contents(s), (std::vector<std::uint32_t>{4, 8}));
  // The dropped ones are no longer in the set: inserting them lists them again, once.
  s.insert(5);
  s.insert(5);
  s.sort();
  EXPECT_EQ(contents(s), (std::vector<std::uint32_t>{4, 5, 8}));
}

TEST(IndexSet, KeepIfAfterAllListsTheKeptOnesAscending) {
  IndexSet s;
  s.reset(6);
  s.insertAll();
  s.keepIf([](std::uint32_t i) { return i == 1 || i == 4; });
  EXPECT_EQ(contents(s), (std::vector<std::uint32_t>{1, 4}));
  s.insert(4);  // already in: not listed twice
  s.insert(0);
  s.sort();
  EXPECT_EQ(contents(s), (std::vector<std::uint32_t>{0, 1, 4}));
}

}  // namespace
}  // namespace traffic::engine
