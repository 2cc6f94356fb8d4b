# Installs the libraries, headers and a CMake package so that another project can
#   find_package(mink REQUIRED)  and  target_link_libraries(app PRIVATE mink::mink)
include(CMakePackageConfigHelpers)

install(TARGETS mink mink_messaging mink_persistence mink_actors mink_http
  EXPORT mink-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(EXPORT mink-targets
  NAMESPACE mink::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mink)

configure_package_config_file(cmake/minkConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/minkConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mink)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/minkConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/minkConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/minkConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mink)
