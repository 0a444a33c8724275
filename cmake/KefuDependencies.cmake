# Imported targets for every external dependency, all from Debian packages.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# Xapian's CMake config sets variables only; wrap them in an imported target.
find_package(xapian CONFIG REQUIRED)
add_library(kefu::xapian INTERFACE IMPORTED)
target_include_directories(kefu::xapian SYSTEM INTERFACE ${XAPIAN_INCLUDE_DIR})
target_link_libraries(kefu::xapian INTERFACE ${XAPIAN_LIBRARIES})

find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)  # 0.7 exports the plain target `yaml-cpp`
find_package(SQLite3 REQUIRED)
find_package(simdjson 3 REQUIRED)  # content JSON Lines: 20x nlohmann's parse speed (kb/content/loader.cc)
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)  # libcrypto: HMAC-SHA256 of webhook bodies

# cpp-httplib ships only a .pc file; its Cflags change the Request layout, so they must be used.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(OPENCC REQUIRED IMPORTED_TARGET opencc)

if(KEFU_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
