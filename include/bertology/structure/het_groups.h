#pragma once
// Which non-polymer groups of a structure (PDB "het groups", by their three-letter chemical
// component code) count as ligands when binding sites are labelled from ligand proximity.
//
// A het group is a ligand unless it is one of these (the lists below are the code itself):
//  - water: HOH DOD WAT H2O, and SOL/TIP from simulation files;
//  - a crystallisation or purification additive: cryoprotectants and precipitants (glycerol
//    GOL, ethylene glycol EDO, PEG fragments PEG PGE PG4 1PE P6G 2PE 12P 15P P33 PE4, MPD MRD,
//    PGO, DMSO DMS, alcohols EOH MOH IPA), buffer and salt anions (SO4 PO4 NO3 SCN AZI, acetate
//    ACT ACY, formate FMT, citrate CIT FLC, tartrate TLA, malonate MLI, cacodylate CAC), buffers
//    (Tris TRS, MES, HEPES EPE, MOPS MPO, CAPS CXS, bis-tris BTB B3P, imidazole IMD), reducing
//    agents (BME DTT), detergents (BOG LDA LMT C8E SDS);
//  - a common ion: LI NA K RB CS MG CA SR BA MN MN3 FE FE2 CO 3CO NI CU CU1 ZN CD HG PB AL GA F
//    CL BR IOD NH4, UNX (unknown atom or ion), and any other group of a single heavy atom that
//    is a metal or a halogen;
//  - a terminal cap of a chain (ACE NH2 NME FOR): part of the polymer, not bound to it.
// Ions are ligands when the user asks for them (metal sites). Everything else is a ligand:
// cofactors, substrates, inhibitors, drugs, heme, sugars (glycans attached to Asn included, as
// the PDB lists them as het groups), free amino acids, UNL (a ligand of unknown identity).
// Sulfate, phosphate and citrate do occupy real phosphate or substrate sites at times; they
// are excluded because most of their sites in the PDB are crystallisation artefacts, as in the
// usual binding-site benchmarks. The file's own site annotation (SITE records) keeps them.
#include <string_view>

namespace bertology::structure {

enum class HetGroup { ligand, water, additive, ion, cap };

// By code alone; the single-atom rule for unlisted ions needs the atoms and is applied by the
// structure reader.
HetGroup classify_het_group(std::string_view code);

const char* het_group_name(HetGroup group);  // "ligand", "water", "additive", "ion", "cap"

}  // namespace bertology::structure
