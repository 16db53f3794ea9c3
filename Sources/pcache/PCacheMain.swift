import PCacheKit

/// The `pcache` executable: everything lives in PCacheKit so tests can run the commands in-process.
@main
enum PCacheMain {
    static func main() async {
        await PCacheCommand.main()
    }
}
