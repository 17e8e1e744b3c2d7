dependencyResolutionManagement {
    @Suppress("UnstableApiUsage")
    repositories.gradlePluginPortal()
}
