# Installs the libraries, headers and a CMake package so that other projects can
# find_package(bertology) and link bertology::<module>.
include(CMakePackageConfigHelpers)
get_property(_modules GLOBAL PROPERTY BERTOLOGY_MODULES)
install(TARGETS ${_modules} bertology EXPORT bertologyTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/bertology DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES "${PROJECT_BINARY_DIR}/generated/bertology/version.h" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/bertology)
install(EXPORT bertologyTargets NAMESPACE bertology:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/bertology)
configure_package_config_file(cmake/bertologyConfig.cmake.in "${PROJECT_BINARY_DIR}/bertologyConfig.cmake"
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/bertology)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/bertologyConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/bertologyConfig.cmake" "${PROJECT_BINARY_DIR}/bertologyConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/BertologyDependencies.cmake"
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/bertology)
