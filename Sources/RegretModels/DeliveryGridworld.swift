import RealModule
import NumericCore

/// The "delivery" gridworld of Knox et al.: an agent drives on a grid of cells, up/down/left/right,
/// towards a goal (deliver), avoiding sheep, picking up coins, avoiding road blocks and mud.
///
/// - Houses are blocked (not states): moving into a house or off the grid leaves the agent in place.
/// - The goal and sheep cells are terminal (absorbing after entry).
/// - Features of a transition s →a s′, in the order ``featureNames``:
///   entering the goal gives φ = e_goal, entering a sheep φ = e_sheep; otherwise the step costs
///   e_time, or e_mud instead when s′ is a mud cell, plus e_coin / e_roadBlock when the agent moved
///   into a coin / road-block cell (bumping in place does not collect them again). Coins are not
///   consumed.
/// - The true reward is w·φ with ``defaultWeights`` = [−1, 50, −50, 1, −1, −2] for the reference
///   board; random boards draw their own weights (see ``DeliveryGridworldGenerator``).
public struct DeliveryGridworld: Sendable {
    /// What occupies a cell (mud is a separate layer, ``mud``).
    public enum Cell: Sendable, Equatable {
        /// Nothing.
        case empty
        /// The goal (terminal).
        case goal
        /// A house (impassable).
        case house
        /// A sheep (terminal).
        case sheep
        /// A coin (moving into it adds e_coin; coins are not consumed).
        case coin
        /// A road block.
        case roadBlock
    }

    /// The moves, in action order: up (row − 1), down, left (column − 1), right.
    public static let moves: [(row: Int, column: Int)] = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    /// Feature order of φ.
    public static let featureNames = ["time", "goal", "sheep", "coin", "roadblock", "mud"]
    /// The reference domain's true weights [time, goal, sheep, coin, roadblock, mud].
    public static let defaultWeights: [Double] = [-1, 50, -50, 1, -1, -2]
    /// The reference discount.
    public static let defaultDiscount = 0.999

    /// Rows of the board.
    public let height: Int
    /// Columns of the board.
    public let width: Int
    /// Row-major cells.
    public let cells: [Cell]
    /// Row-major mud flags.
    public let mud: [Bool]
    /// The true reward weights of this board.
    public let trueWeights: Tensor<Double>
    /// The MDP: one state per non-house cell, in row-major order; 4 actions; 6 features.
    public let mdp: FiniteMDP
    /// The grid cell (row-major index) of each state.
    public let cellOfState: [Int]
    /// The state of each cell, `nil` for houses.
    public let stateOfCell: [Int?]

    /// A board from rows of characters: `.` empty, `G` goal, `H` house, `S` sheep, `C` coin,
    /// `R` road block; lower case (`m` for empty) puts the cell in mud.
    public init(
        layout: [String], weights: [Double] = DeliveryGridworld.defaultWeights,
        discount: Double = DeliveryGridworld.defaultDiscount, storage: TransitionStorage = .automatic
    ) throws(MDPError) {
        guard let first = layout.first, !first.isEmpty else { throw .invalidLayout(row: 0, reason: "empty layout") }
        var cells = [Cell]()
        var mud = [Bool]()
        for (r, line) in layout.enumerated() {
            let chars = Array(line)
            guard chars.count == first.count else {
                throw .invalidLayout(row: r, reason: "\(chars.count) cells, expected \(first.count)")
            }
            for ch in chars {
                switch ch {
                case ".": cells.append(.empty); mud.append(false)
                case "m": cells.append(.empty); mud.append(true)
                case "G", "g": cells.append(.goal); mud.append(ch == "g")
                case "H", "h": cells.append(.house); mud.append(ch == "h")
                case "S", "s": cells.append(.sheep); mud.append(ch == "s")
                case "C", "c": cells.append(.coin); mud.append(ch == "c")
                case "R", "r": cells.append(.roadBlock); mud.append(ch == "r")
                default: throw .invalidLayout(row: r, reason: "unknown cell '\(ch)'")
                }
            }
        }
        try self.init(height: layout.count, width: first.count, cells: cells, mud: mud,
                      weights: weights, discount: discount, storage: storage)
    }

    /// A board from row-major cells and mud flags.
    public init(
        height: Int, width: Int, cells: [Cell], mud: [Bool], weights: [Double],
        discount: Double = DeliveryGridworld.defaultDiscount, storage: TransitionStorage = .automatic
    ) throws(MDPError) {
        guard height > 0 else { throw .invalidSize(what: "height", value: height) }
        guard width > 0 else { throw .invalidSize(what: "width", value: width) }
        guard cells.count == height * width, mud.count == height * width else {
            throw .invalidConfiguration("grid \(height)×\(width) needs \(height * width) cells and mud flags, got \(cells.count) and \(mud.count)")
        }
        guard weights.count == 6, weights.allSatisfy({ $0.isFinite }) else {
            throw .invalidWeights(expected: 6, found: weights.count)
        }
        var stateOfCell = [Int?](repeating: nil, count: cells.count)
        var cellOfState = [Int]()
        for (i, c) in cells.enumerated() where c != .house {
            stateOfCell[i] = cellOfState.count
            cellOfState.append(i)
        }
        guard !cellOfState.isEmpty else { throw .invalidLayout(row: 0, reason: "every cell is a house") }
        let terminal = cellOfState.map { cells[$0] == .goal || cells[$0] == .sheep }
        let mdp = try FiniteMDP(
            stateCount: cellOfState.count, actionCount: 4, featureCount: 6, discount: discount,
            terminal: terminal, storage: storage
        ) { state, action in
            let cell = cellOfState[state]
            let (r, c) = (cell / width, cell % width)
            let (nr, nc) = (r + DeliveryGridworld.moves[action].row, c + DeliveryGridworld.moves[action].column)
            var destination = cell
            if nr >= 0 && nr < height && nc >= 0 && nc < width && cells[nr * width + nc] != .house {
                destination = nr * width + nc
            }
            let moved = destination != cell
            var phi = [Double](repeating: 0, count: 6)
            switch cells[destination] {
            case .goal: phi[1] = 1
            case .sheep: phi[2] = 1
            default:
                if mud[destination] { phi[5] = 1 } else { phi[0] = 1 }
                if moved && cells[destination] == .coin { phi[3] = 1 }
                if moved && cells[destination] == .roadBlock { phi[4] = 1 }
            }
            return [MDPOutcome(next: stateOfCell[destination]!, probability: 1, features: phi)]
        }
        self.height = height
        self.width = width
        self.cells = cells
        self.mud = mud
        self.trueWeights = Tensor(weights)
        self.mdp = mdp
        self.cellOfState = cellOfState
        self.stateOfCell = stateOfCell
    }

    /// The reference 10×10 board (houses, one goal, sheep, coins, road blocks and a mud patch)
    /// with the default weights and γ = 0.999.
    public static func reference(storage: TransitionStorage = .automatic) -> DeliveryGridworld {
        // A fixed, valid layout: construction cannot fail.
        try! DeliveryGridworld(layout: [
            "..C...H..G",
            ".HH.R.H...",
            "....R...S.",
            "mmm.....C.",
            "mmm.HH.R..",
            "mcm.HH....",
            "...S..R.C.",
            ".R....mmm.",
            ".....Smmm.",
            "C..H......",
        ], storage: storage)
    }

    /// The board as layout rows (the inverse of ``init(layout:weights:discount:storage:)``).
    public var layout: [String] {
        (0..<height).map { r in
            String((0..<width).map { c -> Character in
                let i = r * width + c
                let ch: Character
                switch cells[i] {
                case .empty: ch = "."
                case .goal: ch = "G"
                case .house: ch = "H"
                case .sheep: ch = "S"
                case .coin: ch = "C"
                case .roadBlock: ch = "R"
                }
                if mud[i] { return ch == "." ? "m" : Character(ch.lowercased()) }
                return ch
            })
        }
    }
}
