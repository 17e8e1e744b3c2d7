go test fuzz v1
[]byte("pluginManagement {\n    repositories {\n        gradlePluginPortal()\n        maven(\"https://maven.acme.internal/releases\")\n    }\n    plugins {\n        id(\"com.acme.conventions\") version \"2.1.0\"\n    }\n}\n\nplugins {\n    id(\"com.gradle.develocity\") version \"3.17\"\n}\n\nrootProject.name = \"storefront\"\ninclude(\":api\", \":legacy\")\n")
