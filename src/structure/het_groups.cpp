#include "bertology/structure/het_groups.h"

#include <algorithm>
#include <iterator>

namespace bertology::structure {

namespace {

constexpr std::string_view kWater[] = {"HOH", "DOD", "WAT", "H2O", "SOL", "TIP"};

// Groups that come from the crystallisation drop, the cryoprotectant or the purification
// buffer and bind wherever the crystal lets them: their neighbours are rarely a biological
// binding site. The usual exclusions of binding-site benchmarks, kept short and readable.
constexpr std::string_view kAdditives[] = {
    // cryoprotectants, precipitants, solvents
    "GOL", "EDO", "PEG", "PGE", "PG4", "1PE", "P6G", "2PE", "12P", "15P", "P33", "PE4", "MPD", "MRD", "PGO", "DMS",
    "EOH", "MOH", "IPA",
    // anions of buffers and salts
    "SO4", "PO4", "NO3", "SCN", "AZI", "ACT", "ACY", "FMT", "CIT", "FLC", "TLA", "MLI", "CAC",
    // buffers
    "TRS", "MES", "EPE", "MPO", "CXS", "BTB", "B3P", "IMD",
    // reducing agents
    "BME", "DTT",
    // detergents
    "BOG", "LDA", "LMT", "C8E", "SDS"};

constexpr std::string_view kIons[] = {"LI",  "NA", "K",   "RB", "CS",  "MG", "CA", "SR",  "BA",  "MN",
                                      "MN3", "FE", "FE2", "CO", "3CO", "NI", "CU", "CU1", "ZN",  "CD",
                                      "HG",  "PB", "AL",  "GA", "F",   "CL", "BR", "IOD", "NH4", "UNX"};

// Caps close a chain covalently; they are listed as het groups only for want of a residue.
constexpr std::string_view kCaps[] = {"ACE", "NH2", "NME", "FOR"};

template <std::size_t N>
bool listed(const std::string_view (&list)[N], std::string_view code) {
  return std::find(std::begin(list), std::end(list), code) != std::end(list);
}

}  // namespace

HetGroup classify_het_group(std::string_view code) {
  if (listed(kWater, code)) return HetGroup::water;
  if (listed(kAdditives, code)) return HetGroup::additive;
  if (listed(kIons, code)) return HetGroup::ion;
  if (listed(kCaps, code)) return HetGroup::cap;
  return HetGroup::ligand;
}

const char* het_group_name(HetGroup group) {
  switch (group) {
    case HetGroup::ligand:
      return "ligand";
    case HetGroup::water:
      return "water";
    case HetGroup::additive:
      return "additive";
    case HetGroup::ion:
      return "ion";
    case HetGroup::cap:
      return "cap";
  }
  return "ligand";
}

}  // namespace bertology::structure
